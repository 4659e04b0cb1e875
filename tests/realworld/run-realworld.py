#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Conformance against gdb on real projects (meson suite 'realworld'):
run-conformance.py's comparison, on programs built from the source of
real projects that Debian 12 ships, crashed deep in the project's code.

  run-realworld.py --project lua|onig|gtest|sqlite|cpython --cc gcc|clang --opt O2
                   --sources CACHE --dumper SO --crashctl EXE [thresholds]

1. fetch-sources.sh puts the project's Debian package, unpacked, in the
   CACHE folder (git-ignored: the build folder's), fetching it with
   `apt-get download` only when it is not there yet.
2. Compiles the project's files and our driver (tests/realworld/*-crash.*)
   with the compiler at that level (-g), one file at a time, in the work
   folder, and links them.
3. run-conformance.py's run_case(): two crashes (the ptrace path with the
   kernel's core, the parking path), gdb's `thread apply all bt full` on
   the core against `crashctl symbolicate --format json`. The program's
   own frames are those whose file lies in the project's source tree or is
   the driver; the rest (libc, libstdc++) are the libraries'.

Exit status: 0 pass, 1 fail, 77 skip: no gdb, not root, or the sources
cannot be obtained (no network, no apt) unless CRASHD_REQUIRE_ORACLES=1 is
set, which turns that into a failure (CI sets it). Standard library only.
"""

import argparse
import glob
import importlib.util
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('run_conformance',
                                              os.path.join(HERE, '..', 'conformance', 'run-conformance.py'))
conformance = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conformance)

SKIP = 77
BUILD_TIMEOUT = 600

# Values that differ between the two crashes (two processes) whatever the
# dumper does, left out of the parking-against-ptrace check only (gdb's
# values, of the same process, are compared as usual): the projects'
# jmp_bufs, as glibc's own in run-conformance.py (setjmp mangles the
# registers it keeps with the per-process pointer guard), and googletest's
# timers (steady_clock readings; clang keeps them, gcc optimizes them out).
conformance.PER_PROCESS.update({
    ('luaD_rawrunprotected', 'lj'),     # Lua's protected calls (LUAI_THROW: _setjmp)
    ('testing::TestInfo::Run', 'timer'),
    ('testing::TestSuite::Run', 'timer'),
    ('testing::internal::UnitTestImpl::RunAllTests', 'timer'),
})

# Each project: its Debian package, the folder of its sources in the
# package (a glob: the version is in the name), the files to compile (globs
# under that folder), the flags, the driver, and the language.
LUA = 'usr/share/cargo/registry/lua52-sys-*/lua/src'
ONIG = 'usr/share/cargo/registry/onig_sys-*/oniguruma/src'
GTEST = 'usr/src/googletest/googletest'
PROJECTS = {
    # Lua 5.2.4 as its Makefile builds it (LUA_COMPAT_ALL; LUA_USE_POSIX
    # without the readline and dlopen of LUA_USE_LINUX, which only lua.c
    # and loadlib need), without the two programs (lua.c, luac.c) and with
    # a fixed string-hash seed: the two crashes must hold the same values,
    # and the default mixes in time(NULL).
    'lua': {
        'package': 'librust-lua52-sys-dev', 'tree': LUA, 'lang': 'c',
        'files': ['l*.c'], 'exclude': ['lua.c', 'luac.c'],
        'flags': ['-DLUA_COMPAT_ALL', '-DLUA_USE_POSIX', '-Dluai_makeseed()=0', '-I{tree}'],
        'driver': 'lua-crash.c', 'libs': ['-lm'],
    },
    # Oniguruma 6.9.8 as the onig_sys crate builds it (its build.rs): the
    # same files, and its config.h, written here; -w as the crate does
    # (cc.warnings(false)): not ours to fix.
    'onig': {
        'package': 'librust-onig-sys-dev', 'tree': ONIG, 'lang': 'c',
        'files': ['regexec.c', 'regerror.c', 'regparse.c', 'regext.c', 'regcomp.c', 'reggnu.c', 'regenc.c',
                  'regsyntax.c', 'regtrav.c', 'regversion.c', 'st.c', 'onig_init.c', 'unicode.c', 'ascii.c',
                  'utf8.c', 'utf16_be.c', 'utf16_le.c', 'utf32_be.c', 'utf32_le.c', 'euc_jp.c', 'sjis.c',
                  'iso8859_1.c', 'euc_jp_prop.c', 'sjis_prop.c', 'unicode_unfold_key.c', 'unicode_fold1_key.c',
                  'unicode_fold2_key.c', 'unicode_fold3_key.c'],
        'exclude': [],
        'config_h': ('#define HAVE_PROTOTYPES 1\n#define STDC_HEADERS 1\n#define HAVE_STRING_H 1\n'
                     '#define HAVE_STDARG_H 1\n#define HAVE_STDLIB_H 1\n#define HAVE_LIMITS_H 1\n'
                     '#define HAVE_INTTYPES_H 1\n#define SIZEOF_INT 4\n#define SIZEOF_SHORT 2\n'
                     '#define SIZEOF_LONG 8\n#define SIZEOF_VOIDP 8\n#define SIZEOF_LONG_LONG 8\n'),
        'flags': ['-w', '-DHAVE_UNISTD_H=1', '-DHAVE_SYS_TYPES_H=1', '-DHAVE_SYS_TIME_H=1', '-I{work}', '-I{tree}'],
        'driver': 'onig-crash.c', 'libs': [],
    },
    # SQLite 3.54.1 as its amalgamation builds (the one sqlite3.c), from the
    # npm package better-sqlite3, which ships it: multi-thread mode (one
    # connection per thread), no extension loading (no dlopen). Pinned:
    # the values depend on the code.
    'sqlite': {
        'package': 'npm:better-sqlite3@13.2.0', 'tree': 'package/deps/sqlite3', 'lang': 'c',
        'files': ['sqlite3.c'], 'exclude': [],
        'flags': ['-DSQLITE_THREADSAFE=2', '-DSQLITE_OMIT_LOAD_EXTENSION', '-I{tree}'],
        'driver': 'sqlite-crash.c', 'libs': ['-lm'],
    },
    # CPython 3.11's debug build as Debian ships it (python3.11-dbg, which
    # scripts/install-deps.sh installs): nothing to build; the driver is a
    # Python script. Its own frames are those in CPython's source tree,
    # which its DWARF names relative to the build folder.
    'cpython': {
        'exe': '/usr/bin/python3.11d', 'lang': 'c', 'driver': 'python-crash.py',
        'own_prefixes': ['../', './'], 'env': {'PYTHONHASHSEED': '0'},
    },
    # googletest 1.12.1 as its CMake build makes libgtest: the one
    # gtest-all.cc, with the headers of include/ and src/.
    'gtest': {
        'package': 'googletest', 'tree': GTEST, 'lang': 'c++',
        'files': ['src/gtest-all.cc'], 'exclude': [],
        'flags': ['-I{tree}/include', '-I{tree}'],
        'driver': 'gtest-crash.cc', 'libs': [],
    },
}


def fetch(a, project):
    """The unpacked package's source tree, or None when it cannot be
    obtained (fetch-sources.sh says why)."""
    pkg = project['package']
    r = subprocess.run([os.path.join(HERE, 'fetch-sources.sh'), a.sources, pkg],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT)
    if r.returncode != 0:
        print(r.stdout.decode(errors='replace').rstrip())
        return None
    trees = glob.glob(os.path.join(a.sources, pkg, project['tree']))
    if len(trees) != 1:
        raise RuntimeError('%s: expected one %s, found %s' % (pkg, project['tree'], trees))
    return trees[0]


def compile_commands(a, project, tree, work, exe):
    """The compiler commands, every path absolute (so gdb names the files
    with their paths, and run_case tells the project's frames by them)."""
    lang = project['lang']
    cc = conformance.COMPILERS[(a.cc, lang)]
    flags = ['-g', '-' + a.opt, '-pthread'] + [f.format(tree=tree, work=work) for f in project['flags']]
    if a.cc == 'clang' and lang == 'c':
        flags.append('-Wno-unknown-attributes')
    sources = []
    for pat in project['files']:
        found = sorted(glob.glob(os.path.join(tree, pat)))
        if not found:
            raise RuntimeError('%s: no %s in %s' % (project['package'], pat, tree))
        sources += [f for f in found if os.path.basename(f) not in project['exclude']]
    sources.append(os.path.join(HERE, project['driver']))
    cmds, objs = [], []
    for src in sources:
        obj = os.path.join(work, 'obj', os.path.basename(src) + '.o')
        cmds.append([cc, '-c'] + flags + ['-o', obj, src])
        objs.append(obj)
    cmds.append([cc, '-pthread', '-o', exe] + objs + project['libs'])
    return cmds


def build(a, project, tree, work):
    exe = os.path.join(work, '%s-%s-%s' % (a.project, a.cc, a.opt))
    os.mkdir(os.path.join(work, 'obj'))
    if project.get('config_h'):
        with open(os.path.join(work, 'config.h'), 'w') as f:
            f.write(project['config_h'])
    t0 = time.monotonic()
    # In the work folder: clang names a file under the compiler's working
    # folder relative to it (DW_AT_comp_dir), and the sources are in the
    # build folder, meson's working folder.
    for cmd in compile_commands(a, project, tree, work, exe):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT, cwd=work)
        if r.returncode != 0:
            raise RuntimeError('%s failed:\n%s' % (' '.join(cmd), r.stdout.decode(errors='replace')))
    print('built %s in %.1f s' % (os.path.basename(exe), time.monotonic() - t0))
    return exe


def run_installed(a, project):
    """A project whose program a Debian package installs: run with its
    driver script, nothing built."""
    if not os.access(project['exe'], os.X_OK):
        if os.environ.get('CRASHD_REQUIRE_ORACLES') == '1':
            print('FAIL: %s is not installed (CRASHD_REQUIRE_ORACLES=1)' % project['exe'])
            return 1
        print('SKIP: %s is not installed' % project['exe'])
        return SKIP
    a.own = []
    a.own_prefixes = project['own_prefixes']
    a.name = a.project
    a.source = None
    a.exe_args = [os.path.join(HERE, project['driver'])]
    a.exe_env = project.get('env')
    return conformance.run_case(a, lambda work: project['exe'])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--project', required=True, choices=sorted(PROJECTS))
    ap.add_argument('--sources', required=True, help='the cache folder of the unpacked packages')
    conformance.add_common_args(ap)
    a = ap.parse_args()
    a.mode = 'segv'
    a.plugin = a.plugin_so = None
    project = PROJECTS[a.project]

    why = conformance.preflight(a)
    if why:
        print('SKIP:', why)
        return SKIP
    if project['lang'] == 'c++' and not conformance.shutil.which(conformance.COMPILERS[(a.cc, 'c++')]):
        print('SKIP: %s is not installed' % conformance.COMPILERS[(a.cc, 'c++')])
        return SKIP
    a.sources = os.path.abspath(a.sources)
    if project.get('exe'):
        return run_installed(a, project)
    t0 = time.monotonic()
    tree = fetch(a, project)
    if tree is None:
        if os.environ.get('CRASHD_REQUIRE_ORACLES') == '1':
            print('FAIL: the sources of %s cannot be obtained (CRASHD_REQUIRE_ORACLES=1)' % a.project)
            return 1
        print('SKIP: the sources of %s cannot be obtained' % a.project)
        return SKIP
    print('sources of %s in %.1f s: %s' % (a.project, time.monotonic() - t0, tree))
    a.own = [tree, os.path.join(HERE, project['driver'])]
    a.name = a.project
    a.source = None
    return conformance.run_case(a, lambda work: build(a, project, tree, work))


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        print('FAIL:', e)
        sys.exit(1)
