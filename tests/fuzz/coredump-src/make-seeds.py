#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/fuzz/coredump-src/make-seeds.py OUT-DIR [STATIC-CRASH]: the seed
corpus of fuzz-coredump, from real kernel cores (root: it sets
core_pattern under testkit's lock for a moment).

Each program runs with an empty environment from /tmp/crashd-seed/, so the
cores hold no environment and no path of the machine that made them; then
every PT_LOAD is cut to two pages (the stack to its top two, where SP,
argv and auxv are), so that a seed is a few tens of KiB and libFuzzer's
mutations land in headers and notes as often as in memory.

  seed-tiny.core     tiny.c: no libc, one thread
  seed-static.core   tests/coredump/static-crash.c: static glibc, TLS
"""
import os
import resource
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
from testkit import core_pattern_set  # noqa: E402

PAGE = 4096
KEEP = 2 * PAGE


def kernel_core(exe):
    work = '/tmp/crashd-seed'
    cores = os.path.join(work, 'cores')
    os.makedirs(cores, exist_ok=True)
    prog = os.path.join(work, os.path.basename(exe))
    shutil.copy(exe, prog)
    with core_pattern_set(os.path.join(cores, 'core.%p')):
        p = subprocess.Popen([prog], env={}, cwd=work, stdin=subprocess.DEVNULL,
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (-1, -1)))
        p.wait()
    with open(os.path.join(cores, 'core.%d' % p.pid), 'rb') as f:
        data = f.read()
    shutil.rmtree(work)
    return data


def trim(core):
    phoff, = struct.unpack_from('<Q', core, 32)
    phnum, = struct.unpack_from('<H', core, 56)
    phdrs = [list(struct.unpack_from('<IIQQQQQQ', core, phoff + 56 * i)) for i in range(phnum)]
    note = [p for p in phdrs if p[0] == 4][0]
    notes = core[note[2]:note[2] + note[5]]
    rsp_pages = set()
    # NT_PRSTATUS: pr_reg at 112, rsp the 20th register.
    off = 0
    while off + 12 <= len(notes):
        namesz, descsz, ntype = struct.unpack_from('<III', notes, off)
        desc = off + 12 + ((namesz + 3) & ~3)
        if ntype == 1:
            rsp, = struct.unpack_from('<Q', notes, desc + 112 + 19 * 8)
            rsp_pages.add(rsp & ~(PAGE - 1))
        off = desc + ((descsz + 3) & ~3)
    out_phdrs, blobs = [], []
    pos = (64 + 56 * phnum + len(notes) + PAGE - 1) & ~(PAGE - 1)
    for p in phdrs:
        if p[0] != 1:
            continue
        ptype, flags, offset, vaddr, paddr, filesz, memsz, align = p
        start = 0
        if any(vaddr <= r < vaddr + memsz for r in rsp_pages):
            start = max(0, memsz - KEEP)            # a stack: its top
        size = min(KEEP, filesz - start) if filesz > start else 0
        blob = core[offset + start:offset + start + size]
        out_phdrs.append([ptype, flags, pos if size else 0, vaddr + start, 0, size, min(memsz - start, KEEP), align])
        blobs.append((pos, blob))
        pos += (size + PAGE - 1) & ~(PAGE - 1)
    note_out = [4, 0, 64 + 56 * (len(out_phdrs) + 1), 0, 0, len(notes), 0, 4]
    eh = bytearray(core[:64])
    struct.pack_into('<H', eh, 56, len(out_phdrs) + 1)
    out = bytearray(eh)
    for p in [note_out] + out_phdrs:
        out += struct.pack('<IIQQQQQQ', *p)
    out += notes
    for at, blob in blobs:
        out += bytes(at - len(out)) + blob
    return bytes(out)


def main():
    out = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    tiny = '/tmp/crashd-seed-tiny'
    subprocess.run(['gcc', '-static', '-nostdlib', '-O0', '-g', '-o', tiny, os.path.join(here, 'tiny.c')], check=True)
    seeds = {'seed-tiny.core': tiny}
    if len(sys.argv) > 2:
        seeds['seed-static.core'] = sys.argv[2]
    for name, exe in seeds.items():
        data = trim(kernel_core(exe))
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
        print(name, len(data), 'bytes')
    os.unlink(tiny)


if __name__ == '__main__':
    main()
