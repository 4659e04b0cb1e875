# SPDX-License-Identifier: MIT
"""Writes small raw minidumps (proto/FORMAT.md's layout) for the tests of
`crashctl export --core`: shapes tests/proto/sample-dump.c does not make
(tens of thousands of memory ranges, hostile maps text). Made-up values
only. Standard library only."""

import struct

MD_CONTEXT_AMD64_FULL = 0x0010000b
STREAM_THREAD_LIST, STREAM_MODULE_LIST, STREAM_MEMORY_LIST, STREAM_EXCEPTION = 3, 4, 5, 6
STREAM_MAPS = 0x47670009
# Offsets in md_context_amd64 (1232 bytes).
CONTEXT_SIZE = 1232
CTX = {'context_flags': 48, 'rax': 120, 'rcx': 128, 'rdx': 136, 'rbx': 144, 'rsp': 152, 'rbp': 160,
       'rsi': 168, 'rdi': 176, 'r8': 184, 'r15': 240, 'rip': 248}


def context(**regs):
    c = bytearray(CONTEXT_SIZE)
    struct.pack_into('<I', c, CTX['context_flags'], MD_CONTEXT_AMD64_FULL)
    for name, v in regs.items():
        struct.pack_into('<Q', c, CTX[name], v)
    return bytes(c)


class Writer:
    def __init__(self):
        self.body = bytearray()
        self.streams = []       # (type, rva, size)

    def put(self, data, align=8):
        """data appended; its rva (an offset in the final file)."""
        while len(self.body) % align:
            self.body.append(0)
        rva = self.header_size + len(self.body)
        self.body += data
        return rva

    header_size = 32 + 12 * 16      # room for 16 directory entries

    def stream(self, stype, data):
        self.streams.append((stype, self.put(data), len(data)))

    def string(self, s):
        u = s.encode('utf-16-le')
        return self.put(struct.pack('<I', len(u)) + u + b'\0\0', 4)

    def file(self):
        assert len(self.streams) <= 16
        head = struct.pack('<IIIIIIQ', 0x504d444d, 0xa793, len(self.streams), 32, 0, 1700000000, 0)
        dirs = b''.join(struct.pack('<III', t, size, rva) for t, rva, size in self.streams)
        return head + dirs.ljust(12 * 16, b'\0') + bytes(self.body)


def build(threads, memory=(), modules=(), maps=None, crash_tid=None, signo=11, code=1, address=0):
    """threads: [(tid, context bytes or None)]; memory: [(start, bytes)];
    modules: [(base, size, name)]; maps: /proc/PID/maps text (bytes)."""
    w = Writer()
    rows = []
    for tid, ctx in threads:
        loc = (len(ctx), w.put(ctx)) if ctx else (0, 0)
        rows.append(struct.pack('<IIIIQQII', tid, 0, 0, 0, 0, 0, 0, 0) + struct.pack('<II', *loc))
    w.stream(STREAM_THREAD_LIST, struct.pack('<I', len(rows)) + b''.join(rows))
    descs = [struct.pack('<QII', start, len(data), w.put(data, 1)) for start, data in memory]
    w.stream(STREAM_MEMORY_LIST, struct.pack('<I', len(descs)) + b''.join(descs))
    if modules:
        mods = []
        for base, size, name in modules:
            m = bytearray(108)
            struct.pack_into('<QI', m, 0, base, size)
            struct.pack_into('<I', m, 20, w.string(name))
            mods.append(bytes(m))
        w.stream(STREAM_MODULE_LIST, struct.pack('<I', len(mods)) + b''.join(mods))
    if maps is not None:
        w.stream(STREAM_MAPS, maps)
    if crash_tid is not None:
        e = bytearray(168)
        struct.pack_into('<I', e, 0, crash_tid)
        struct.pack_into('<IIQQ', e, 8, signo, code, 0, address)
        w.stream(STREAM_EXCEPTION, bytes(e))
    return w.file()
