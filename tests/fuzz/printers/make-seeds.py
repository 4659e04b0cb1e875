#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes fuzz-printers' seed from a real run of its module:

  make-seeds.py BUILD/tests/fuzz/fuzz-printers-module [DIR]
  make-seeds.py BUILD/tests/fuzz/fuzz-printers-module-libcxx tests/fuzz/printers-libcxx

runs the module under gdb with ASLR off and an empty environment, stops
in use() (main's containers all built), and writes seed-real: main's rbp,
16 KiB of stack around main's frame and 32 KiB of heap where its
containers are, in fuzz-printers.c's input layout (into DIR, by default
this one). Then seed-cycle: the
same with every heap pointer turned back to the heap's first word (lists
and trees that loop). Run by hand when the module changes."""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GDB_PY = r'''
import gdb, struct
gdb.execute('break use')
gdb.execute('run')
gdb.execute('up')
rbp = int(gdb.parse_and_eval('$rbp'))
stack = (rbp - 16384 + 512) & ~15   # main's frame sits near the stack's top
inf = gdb.selected_inferior()
words = struct.unpack('<2048Q', bytes(inf.read_memory(stack, 16384)))
heap = [w for w in words if 0x555555554000 < w < 0x555556000000 and w % 8 == 0]
# The heap's first page: where the [heap] mapping starts (a small module
# ends below 0x555555570000), else past the module.
start = 0x555555570000
for line in gdb.execute('info proc mappings', to_string=True).splitlines():
    if line.endswith('[heap]'):
        start = int(line.split()[0], 16)
lo = min(w for w in heap if w >= start) & ~4095
data = bytes(inf.read_memory(lo, 32768))
open(OUT, 'wb').write(struct.pack('<3Q', stack, lo, rbp) + bytes(inf.read_memory(stack, 16384)) + data)
gdb.execute('kill')
'''


def main():
    module = os.path.abspath(sys.argv[1])
    out = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else HERE
    real = os.path.join(out, 'seed-real')
    with tempfile.NamedTemporaryFile('w', suffix='.py') as f:
        f.write('OUT = %r\n' % real + GDB_PY)
        f.flush()
        subprocess.run(['env', '-i', 'gdb', '-batch', '-nx', '-ex', 'set disable-randomization on',
                        '-ex', 'source ' + f.name, module], check=True, stdout=subprocess.DEVNULL)
    raw = open(real, 'rb').read()
    stack, heap, rbp = struct.unpack('<3Q', raw[:24])
    words = list(struct.unpack('<%dQ' % ((len(raw) - 24) // 8), raw[24:]))
    for i in range(2048, len(words)):
        if heap <= words[i] < heap + 32768:
            words[i] = heap
    open(os.path.join(out, 'seed-cycle'), 'wb').write(raw[:24] + struct.pack('<%dQ' % len(words), *words))


if __name__ == '__main__':
    main()
