#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/install/test-install.py: `meson install --destdir D` of this build
(suite 'install'), then what a user of the installed files does:

  - finds libcrashdump.so.0 (with that soname), the libcrashdump.so link,
    include/crashdump/crashdump.h, crashdump.pc, crashctl, crashd, the man
    pages (when scdoc built them) and both completions where meson's
    introspection says they go;
  - builds a program that includes <crashdump.h> and calls
    crashdump_set_tag() and crashdump_write_dump() with nothing but
    `pkg-config --cflags --libs crashdump` (PKG_CONFIG_SYSROOT_DIR=D, so
    the prefix's paths point into D), runs it with LD_LIBRARY_PATH into D
    and checks the dump it wrote (CRASHD_DUMP_DIR) with the installed
    crashctl;
  - preloads the installed libcrashdump.so into a program that knows
    nothing of it and crashes, as the README says: it dies of SIGSEGV and
    leaves a dump.
"""
import argparse
import glob
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile

errors = []


def fail(msg):
    errors.append(msg)
    print('FAIL: ' + msg)


def run(argv, **kw):
    kw.setdefault('stdout', subprocess.PIPE)
    kw.setdefault('stderr', subprocess.PIPE)
    kw.setdefault('text', True)
    kw.setdefault('timeout', 300)
    return subprocess.run(argv, **kw)


API_PROGRAM = r'''
#include <crashdump.h>
#include <stdio.h>
#include <string.h>

int main(void) {
        int r = crashdump_set_tag("installed", "yes");

        if (r != 0) {
                fprintf(stderr, "crashdump_set_tag: %s\n", strerror(-r));
                return 1;
        }
        crashdump_breadcrumb(CRASHDUMP_INFO, "about to ask for a dump");
        r = crashdump_write_dump();
        if (r != 0) {
                fprintf(stderr, "crashdump_write_dump: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
'''

CRASH_PROGRAM = r'''
int main(void) {
        volatile int *p = 0;

        return *p;
}
'''


def dumps_in(d):
    return sorted(glob.glob(os.path.join(d, '*.dmp.zst')))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build-dir', required=True)
    ap.add_argument('--meson', required=True)
    ap.add_argument('--cc', required=True, help='the C compiler, as a shell word list')
    ap.add_argument('--man', action='store_true', help='scdoc built the man pages')
    a = ap.parse_args()

    p = run([a.meson, 'introspect', '--installed', a.build_dir])
    if p.returncode != 0:
        print(f'meson introspect: {p.stderr}')
        return 1
    installed = sorted(json.loads(p.stdout).values())

    with tempfile.TemporaryDirectory(prefix='crashd-install-') as tmp:
        dest = os.path.join(tmp, 'dest')
        # --no-rebuild: meson test built everything first; a rebuild from
        # inside a test would race the other tests' use of the build.
        p = run([a.meson, 'install', '-C', a.build_dir, '--destdir', dest, '--no-rebuild', '--quiet'])
        if p.returncode != 0:
            print(f'meson install failed:\n{p.stdout}{p.stderr}')
            return 1

        def installed_path(suffix):
            hits = [f for f in installed if f.endswith(suffix)]
            if len(hits) != 1:
                fail(f'meson introspect --installed: {len(hits)} files end in {suffix}: {hits}')
                return None
            path = dest + hits[0]
            if not os.path.lexists(path):
                fail(f'{hits[0]}: not installed into {dest}')
                return None
            return path

        lib = installed_path('/libcrashdump.so.0')
        dev = installed_path('/libcrashdump.so')
        header = installed_path('/include/crashdump/crashdump.h')
        pc = installed_path('/pkgconfig/crashdump.pc')
        crashctl = installed_path('/bin/crashctl')
        for suffix in ('/sbin/crashd', '/bash-completion/completions/crashctl', '/_crashctl',
                       '/crashd/crashd.conf'):
            installed_path(suffix)
        if a.man:
            for page in ('/man1/crashctl.1', '/man8/crashd.8', '/man5/crashd.conf.5', '/man3/libcrashdump.3',
                         '/man3/crashdump_write_dump.3'):
                installed_path(page)
        if errors or not (lib and dev and header and pc and crashctl):
            return 1
        if [f for f in installed if f.endswith('/include/crashdump.h')]:
            fail('crashdump.h is also installed straight into include/, where it could clash')

        p = run(['readelf', '-d', lib])
        if 'Library soname: [libcrashdump.so.0]' not in p.stdout:
            fail(f'{lib}: soname is not libcrashdump.so.0:\n{p.stdout}')
        libdir = os.path.dirname(os.path.realpath(lib))
        if os.path.realpath(dev) != os.path.realpath(lib):
            fail(f'{dev} does not lead to {lib}')

        # pkg-config as a program's build would call it, the prefix's paths
        # put under D by the sysroot.
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc), PKG_CONFIG_SYSROOT_DIR=dest,
                   PKG_CONFIG_LIBDIR='')
        p = run(['pkg-config', '--cflags', '--libs', 'crashdump'], env=env)
        if p.returncode != 0:
            fail(f'pkg-config crashdump: {p.stderr.strip()}')
            return 1
        flags = shlex.split(p.stdout)
        print(f'pkg-config --cflags --libs crashdump: {p.stdout.strip()}')
        if f'-I{os.path.dirname(header)}' not in flags:
            fail(f'pkg-config --cflags does not name {os.path.dirname(header)}: {flags}')
        if '-lcrashdump' not in flags:
            fail(f'pkg-config --libs has no -lcrashdump: {flags}')

        src = os.path.join(tmp, 'api.c')
        with open(src, 'w') as f:
            f.write(API_PROGRAM)
        prog = os.path.join(tmp, 'api')
        p = run(shlex.split(a.cc) + [src, '-o', prog] + flags)
        if p.returncode != 0:
            fail(f'building a program with pkg-config crashdump failed:\n{p.stderr}')
            return 1
        p = run(['readelf', '-d', prog])
        if 'Shared library: [libcrashdump.so.0]' not in p.stdout:
            fail(f'the program does not need libcrashdump.so.0:\n{p.stdout}')

        dumps = os.path.join(tmp, 'dumps')
        os.mkdir(dumps)
        # CRASHD_SOCKET empty: no notice to a crashd this machine may run.
        run_env = dict(os.environ, LD_LIBRARY_PATH=libdir, CRASHD_DUMP_DIR=dumps, CRASHD_SOCKET='',
                       HOME=tmp, XDG_STATE_HOME=os.path.join(tmp, 'state'))
        run_env.pop('LD_PRELOAD', None)
        p = run([prog], env=run_env, timeout=60)
        if p.returncode != 0:
            fail(f'the program that links -lcrashdump exited {p.returncode}: {p.stderr.strip()}')
        found = dumps_in(dumps)
        if len(found) != 1:
            fail(f'crashdump_write_dump() left {len(found)} dumps in {dumps}: {os.listdir(dumps)}')
        else:
            p = run([crashctl, 'info', '--json', found[0]])
            if p.returncode != 0:
                fail(f'installed crashctl info: exit {p.returncode}: {p.stderr.strip()}')
            else:
                info = json.loads(p.stdout)
                if info['crash'].get('requested') is not True:
                    fail(f'the dump is not flagged requested: {info["crash"]}')
                if info.get('tags', {}).get('installed') != 'yes':
                    fail(f'the dump lacks the tag installed=yes: {info.get("tags")}')
                if not any(b.get('message') == 'about to ask for a dump' for b in info.get('breadcrumbs', [])):
                    fail(f'the dump lacks the breadcrumb: {info.get("breadcrumbs")}')
                print(f'crashdump_write_dump() wrote {os.path.basename(found[0])}')
            os.unlink(found[0])

        # LD_PRELOAD=libcrashdump.so, the development link, into a program
        # that was built without it.
        src = os.path.join(tmp, 'crash.c')
        with open(src, 'w') as f:
            f.write(CRASH_PROGRAM)
        prog = os.path.join(tmp, 'crash')
        p = run(shlex.split(a.cc) + ['-O0', src, '-o', prog])
        if p.returncode != 0:
            fail(f'building the crashing program failed:\n{p.stderr}')
            return 1
        p = run([prog], env=dict(run_env, LD_PRELOAD=dev, CRASHD_WAIT='1'), timeout=60)
        if p.returncode != -signal.SIGSEGV:
            fail(f'the preloaded program should die of SIGSEGV, got status {p.returncode}: {p.stderr.strip()}')
        found = dumps_in(dumps)
        if len(found) != 1:
            fail(f'LD_PRELOAD={dev}: {len(found)} dumps in {dumps}: {os.listdir(dumps)}')
        else:
            print(f'the preloaded crash wrote {os.path.basename(found[0])}')

    if errors:
        print(f'{len(errors)} problem(s)')
        return 1
    print('ok')
    return 0


if __name__ == '__main__':
    sys.exit(main())
