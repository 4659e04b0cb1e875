#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/tools/test-crashctl.py CRASHCTL MAKE_SAMPLE_DUMP

crashctl info and info --json on the synthetic sample dumps (the values are
those of tests/proto/sample-dump.h), on corrupted copies, and on bad command
lines. Exit status 0 when everything holds."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

CRASHCTL = None
MAKE_DUMP = None
TMP = None


def run(*args, ok=(0,)):
    r = subprocess.run([CRASHCTL, *args], capture_output=True, timeout=60)
    if r.returncode not in ok:
        raise AssertionError(f'crashctl {" ".join(args)}: exit {r.returncode}, '
                             f'stderr {r.stderr.decode(errors="replace")!r}')
    return r


def make(name, *args):
    path = os.path.join(TMP, name)
    subprocess.run([MAKE_DUMP, *args, path], check=True, timeout=60)
    return path


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def info_json(path):
    r = run('info', '--json', path)
    assert r.stderr == b'', r.stderr
    return json.loads(r.stdout.decode('utf-8'))


SAMPLE_TIME = '2023-11-14T22:13:20.123456Z'


class Full(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.path = make('full.dmp.zst')
        cls.info = info_json(cls.path)

    def test_header_and_file(self):
        i = self.info
        self.assertEqual(i['format'], 'crashd-dump-info')
        self.assertEqual(i['version'], 1)
        self.assertEqual(list(i), ['format', 'version', 'file', 'process', 'crash', 'dumper', 'threads',
                                   'modules', 'memory', 'streams', 'tags', 'breadcrumbs', 'system'])
        self.assertEqual(i['file'], {'path': self.path, 'compressed': True,
                                     'size': os.path.getsize(self.path), 'raw_size': i['file']['raw_size']})
        self.assertGreater(i['file']['raw_size'], i['file']['size'])

    def test_process(self):
        self.assertEqual(self.info['process'], {
            'pid': 4242, 'ppid': 1, 'uid': 1000, 'gid': 1001,
            'cmdline': ['./crashme', 'segv', '--flag="1"'], 'exe': '/usr/bin/crashme'})

    def test_crash(self):
        self.assertEqual(self.info['crash'], {
            'signal': 11, 'signal_name': 'SIGSEGV', 'code': 1, 'code_name': 'SEGV_MAPERR',
            'address': '0x0', 'thread': 4243, 'requested': False, 'time': SAMPLE_TIME,
            # The exception stream's context, not the thread list's 0x401234.
            'pc': '0x401238'})
        self.assertEqual(self.info['dumper'], {'version': '0.1.0-test', 'flags': ['budget-hit']})

    def test_threads(self):
        self.assertEqual(self.info['threads'], [
            {'tid': 4242, 'name': 'main', 'crashed': False, 'context_source': 'ptrace',
             'pc': '0x401000', 'sp': '0x7ffd0000f000',
             'stack': {'start': '0x7ffd0000f000', 'size': 256}, 'xstate_size': 0},
            {'tid': 4243, 'name': 'worker', 'crashed': True, 'context_source': 'ucontext',
             'pc': '0x401238', 'sp': '0x7ffd00100000',
             'stack': {'start': '0x7ffd00100000', 'size': 512}, 'xstate_size': 832},
            {'tid': 4244, 'name': 'idle-thread-nam', 'crashed': False, 'context_source': 'none',
             'pc': None, 'sp': None, 'stack': None, 'xstate_size': 0},
        ])

    def test_modules(self):
        self.assertEqual(self.info['modules'], [
            {'base': '0x400000', 'size': 0x5000, 'name': '/usr/bin/crashme',
             'build_id': bytes(range(1, 21)).hex()},
            {'base': '0x7f0000000000', 'size': 0x1c0000, 'name': '/lib/x86_64-linux-gnu/libc.so.6',
             'build_id': bytes(range(33, 53)).hex()},
            {'base': '0x7f1000000000', 'size': 0x1000, 'name': '/opt/\u00fcn\u00ef/\U0001f600.so',
             'build_id': None},
        ])

    def test_memory(self):
        self.assertEqual(self.info['memory'], {'regions': 4, 'bytes': 64 + 128 + 256 + 512, 'list': [
            {'start': '0x401200', 'size': 64}, {'start': '0x600000', 'size': 128},
            {'start': '0x7ffd0000f000', 'size': 256}, {'start': '0x7ffd00100000', 'size': 512}]})

    def test_streams(self):
        s = self.info['streams']
        self.assertEqual(len(s), 19)
        self.assertEqual(s[0], {'type': '0x3', 'name': 'ThreadList', 'size': 148})
        self.assertEqual(s[13], {'type': '0x43520001', 'name': 'CrashdCrashInfo', 'size': 304})
        self.assertEqual(s[18], {'type': '0x7e570001', 'name': None, 'size': 2})
        self.assertEqual([x['name'] for x in s[5:13]],
                         ['LinuxCpuInfo', 'LinuxProcStatus', 'LinuxLsbRelease', 'LinuxCmdLine',
                          'LinuxEnviron', 'LinuxAuxv', 'LinuxMaps', 'LinuxDsoDebug'])

    def test_tags_breadcrumbs_system(self):
        i = self.info
        self.assertEqual(i['tags'], {'release': '1.2.3', 'user': 'alice "a" <tab>\t'})
        self.assertEqual(i['breadcrumbs'], [
            {'time_ns': 1699999999123456789, 'level': 1, 'message': 'started'},
            {'time_ns': 1699999999123456790, 'level': 2, 'message': 'opening "/tmp/x"\nthen \\ crashing'}])
        self.assertEqual(i['system'], {'os': 'Linux 6.1.0-test #1 SMP PREEMPT_DYNAMIC x86_64',
                                       'cpus': 8, 'arch': 'amd64'})

    def test_text(self):
        out = run('info', self.path).stdout.decode('utf-8')
        for want in ['Process:    pid 4242, ppid 1, uid 1000, gid 1001\n',
                     'Command:    ./crashme segv --flag="1"\n',
                     'Executable: /usr/bin/crashme\n',
                     'Crash:      SIGSEGV (SEGV_MAPERR) at 0x0, thread 4243, pc 0x401238\n',
                     f'Time:       {SAMPLE_TIME}\n',
                     'Dumper:     crashd 0.1.0-test (budget-hit)\n',
                     'Threads (3):\n', 'Modules (3):\n', 'Memory:     4 regions, 960 bytes\n',
                     'Streams (19):\n', '  release = 1.2.3\n',
                     # Control characters from the dump come out escaped.
                     '  user = alice "a" <tab>\\x09\n',
                     'opening "/tmp/x"\\x0athen \\ crashing\n']:
            self.assertIn(want, out)
        self.assertRegex(out, r'\n  \* 4243 +worker +ucontext +pc 0x401238 ')
        self.assertNotIn('0x401200', out)       # regions only with --verbose
        self.assertFalse(any(line.endswith(' ') for line in out.splitlines()), out)
        verbose = run('info', '--verbose', self.path).stdout.decode('utf-8')
        self.assertIn('  0x000000401200         64\n', verbose)
        self.assertEqual(run('info', '-v', '-j', self.path).stdout, run('info', '--json', self.path).stdout)


class Variants(unittest.TestCase):
    def test_raw(self):
        path = make('full.dmp', '--raw')
        i = info_json(path)
        self.assertFalse(i['file']['compressed'])
        self.assertEqual(i['file']['size'], i['file']['raw_size'])
        self.assertEqual(i['file']['size'], os.path.getsize(path))

    def test_requested(self):
        path = make('requested.dmp.zst', '--variant', 'requested')
        i = info_json(path)
        self.assertEqual(i['crash'], {'signal': 0, 'signal_name': None, 'code': 0, 'code_name': None,
                                      'address': '0x0', 'thread': 4243, 'requested': True,
                                      'time': SAMPLE_TIME, 'pc': '0x401238'})
        self.assertEqual(i['dumper']['flags'], ['requested'])
        # A requested dump has no crashed thread unless thread info says so.
        self.assertEqual([t['crashed'] for t in i['threads']], [False, True, False])
        self.assertIn('Crash:      dump requested, thread 4243', run('info', path).stdout.decode())

    def test_breakpad(self):
        # Only Breakpad's streams: the facts come from them.
        path = make('breakpad.dmp', '--raw', '--variant', 'breakpad')
        i = info_json(path)
        self.assertEqual(i['process'], {'pid': 4242, 'ppid': 1, 'uid': 1000, 'gid': None,
                                        'cmdline': ['./crashme', 'segv', '--flag="1"'],
                                        'exe': '/usr/bin/crashme'})
        self.assertEqual(i['crash'], {'signal': 11, 'signal_name': 'SIGSEGV', 'code': 1,
                                      'code_name': 'SEGV_MAPERR', 'address': '0x0', 'thread': 4243,
                                      'requested': False, 'time': '2023-11-14T22:13:20Z',
                                      'pc': '0x401238'})
        self.assertEqual(i['dumper'], {'version': None, 'flags': []})
        self.assertEqual([(t['name'], t['crashed'], t['context_source']) for t in i['threads']],
                         [(None, False, 'unknown'), (None, True, 'unknown'), (None, False, 'none')])
        self.assertEqual(i['tags'], {})
        self.assertEqual(i['breadcrumbs'], [])
        text = run('info', path).stdout.decode()
        self.assertIn('Process:    pid 4242, ppid 1, uid 1000\n', text)
        self.assertNotIn('Dumper:', text)

    def test_minimal(self):
        i = info_json(make('minimal.dmp', '--raw', '--variant', 'minimal'))
        self.assertEqual(i['process'], {'pid': None, 'ppid': None, 'uid': None, 'gid': None,
                                        'cmdline': [], 'exe': None})
        self.assertEqual(i['crash']['thread'], None)
        self.assertEqual(i['crash']['pc'], None)
        self.assertEqual(i['crash']['time'], '2023-11-14T22:13:20Z')
        self.assertEqual(i['system'], {'os': None, 'cpus': 0, 'arch': 'unknown'})

    def test_hostile_strings(self):
        # Invalid UTF-8 and terminal escapes inside a tag value.
        raw = read(make('hostile.dmp', '--raw'))
        pos = raw.index(b'alice')
        raw = raw[:pos] + b'\xff\x1b[31m\xc2\x9b' + raw[pos + 8:]
        path = os.path.join(TMP, 'hostile2.dmp')
        write(path, raw)
        i = info_json(path)
        self.assertEqual(i['tags']['user'], '\ufffd\x1b[31m\x9b' + raw[pos + 8:].split(b'\0')[0].decode())
        out = run('info', path).stdout
        self.assertNotIn(b'\x1b', out)
        self.assertNotIn(b'\xff', out)
        self.assertNotIn(b'\xc2\x9b', out)
        self.assertIn(b'user = \\xff\\x1b[31m\\xc2\\x9b', out)


class Errors(unittest.TestCase):
    def check_bad(self, path, reason):
        for args in (['info', path], ['info', '--json', path]):
            r = run(*args, ok=(1,))
            self.assertEqual(r.stdout, b'')
            err = r.stderr.decode()
            self.assertTrue(err.endswith('\n') and err.count('\n') == 1, repr(err))
            self.assertTrue(err.startswith(f'crashctl: {path}: {reason}'), repr(err))

    def test_corrupted(self):
        good = read(make('good.dmp.zst'))
        path = os.path.join(TMP, 'truncated.dmp.zst')
        write(path, good[:len(good) // 2])
        self.check_bad(path, 'zstd: ')

        raw = read(make('good.dmp', '--raw'))
        path = os.path.join(TMP, 'cut.dmp')
        write(path, raw[:-1])
        self.check_bad(path, 'stream 18 (type 0x7e570001) at 0x')

        path = os.path.join(TMP, 'count.dmp')
        bad = bytearray(raw)
        rva = int.from_bytes(raw[12:16], 'little')          # the directory
        loc = int.from_bytes(raw[rva + 8:rva + 12], 'little')  # entry 0: the thread list
        bad[loc:loc + 4] = (0x40000000).to_bytes(4, 'little')
        write(path, bytes(bad))
        self.check_bad(path, 'thread list: 1073741824 threads need 51539607556 bytes but the stream has 148')

        path = os.path.join(TMP, 'elf')
        write(path, b'\x7fELF' + bytes(60))
        self.check_bad(path, 'not a minidump (bad signature 0x464c457f)')

        path = os.path.join(TMP, 'empty.dmp')
        write(path, b'')
        self.check_bad(path, 'empty file')

        self.check_bad(os.path.join(TMP, 'missing.dmp'), 'cannot open: No such file or directory')
        self.check_bad(TMP, 'not a regular file')

    def test_usage(self):
        # ('info' alone is the newest stored crash, and 'info a b' two MATCHes.)
        for args in ([], ['info', 'a.dmp', 'b.dmp'], ['info', '--bogus', 'x'], ['info', 'NOSUCH=1'], ['bogus'],
                     ['--bogus']):
            r = run(*args, ok=(2,))
            self.assertEqual(r.stdout, b'', args)
            # One line, or the usage text when no command was given at all.
            self.assertTrue(r.stderr.startswith(b'crashctl: ' if args else b'usage: crashctl'),
                            (args, r.stderr))
            if args:
                self.assertEqual(r.stderr.count(b'\n'), 1, r.stderr)
        help_text = run('--help').stdout.decode()
        self.assertIn('usage: crashctl', help_text)
        self.assertIn('  info ', help_text)
        self.assertIn('--json', run('info', '--help').stdout.decode())
        self.assertRegex(run('--version').stdout.decode(), r'^crashctl \d+\.\d+\.\d+\S*\n$')

    def test_closed_stdout(self):
        # Output that cannot be written is a failure, not silence.
        with open('/dev/full', 'w') as full:
            r = subprocess.run([CRASHCTL, 'info', '--json', make('full2.dmp.zst')],
                               stdout=full, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b'cannot write the output', r.stderr)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit('usage: test-crashctl.py CRASHCTL MAKE_SAMPLE_DUMP')
    CRASHCTL, MAKE_DUMP = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix='test-crashctl-') as TMP:
        prog = unittest.main(argv=[sys.argv[0], '-v'], exit=False)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
