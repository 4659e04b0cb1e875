# SPDX-License-Identifier: MIT
"""A small reader of x86-64 ELF core files, for the tests of `crashctl
export --core`: the header (with PN_XNUM's count from section header 0),
program headers, notes, and each PT_LOAD's bytes. Written from the ELF
specification; every offset is checked against the file, so a broken core
fails with ValueError, not with wrong data. Standard library only."""

import struct

PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4
PN_XNUM = 0xffff
NT_PRSTATUS, NT_FPREGSET, NT_PRPSINFO, NT_AUXV = 1, 2, 3, 6
NT_SIGINFO, NT_FILE, NT_X86_XSTATE = 0x53494749, 0x46494c45, 0x202
NOTE_NAMES = {NT_PRSTATUS: 'NT_PRSTATUS', NT_FPREGSET: 'NT_FPREGSET', NT_PRPSINFO: 'NT_PRPSINFO',
              NT_AUXV: 'NT_AUXV', NT_SIGINFO: 'NT_SIGINFO', NT_FILE: 'NT_FILE', NT_X86_XSTATE: 'NT_X86_XSTATE'}
# user_regs_struct, in the kernel's order.
REGS = ('r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags rsp ss '
        'fs_base gs_base ds es fs gs').split()


def _need(data, off, n, what):
    if off < 0 or n < 0 or off + n > len(data):
        raise ValueError('%s at %d (+%d) runs past the end of the file (%d bytes)' % (what, off, n, len(data)))


class Core:
    def __init__(self, data):
        self.data = data
        _need(data, 0, 64, 'ELF header')
        if data[:4] != b'\x7fELF':
            raise ValueError('not an ELF file')
        self.ei_class, self.ei_data = data[4], data[5]
        (self.e_type, self.e_machine, _, _, self.e_phoff, self.e_shoff, _, _, self.e_phentsize, self.e_phnum,
         self.e_shentsize, self.e_shnum, self.e_shstrndx) = struct.unpack_from('<HHIQQQIHHHHHH', data, 16)
        self.phnum = self.e_phnum
        self.shdr0 = None
        if self.e_phnum == PN_XNUM:
            _need(data, self.e_shoff, 64, 'section header 0')
            self.shdr0 = struct.unpack_from('<IIQQQQIIQQ', data, self.e_shoff)
            self.phnum = self.shdr0[7]          # sh_info
        _need(data, self.e_phoff, self.phnum * 56, 'program headers')
        self.phdrs = []
        for i in range(self.phnum):
            p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, p_align = struct.unpack_from(
                '<IIQQQQQQ', data, self.e_phoff + 56 * i)
            self.phdrs.append({'type': p_type, 'flags': p_flags, 'offset': p_offset, 'vaddr': p_vaddr,
                               'filesz': p_filesz, 'memsz': p_memsz, 'align': p_align})
        self.loads = [p for p in self.phdrs if p['type'] == PT_LOAD]
        for p in self.loads:
            _need(data, p['offset'], p['filesz'], 'PT_LOAD at 0x%x' % p['vaddr'])
        self.notes = []
        for p in self.phdrs:
            if p['type'] == PT_NOTE:
                self.notes += self._notes(p['offset'], p['filesz'])

    def _notes(self, off, size):
        _need(self.data, off, size, 'PT_NOTE')
        end, out = off + size, []
        while off < end:
            _need(self.data, off, 12, 'note header')
            namesz, descsz, ntype = struct.unpack_from('<III', self.data, off)
            name_off = off + 12
            desc_off = name_off + (namesz + 3) // 4 * 4
            _need(self.data, desc_off, descsz, 'note descriptor')
            if desc_off + descsz > end:
                raise ValueError('note runs past its PT_NOTE')
            name = self.data[name_off:name_off + namesz].rstrip(b'\0').decode()
            out.append({'name': name, 'type': ntype, 'desc': self.data[desc_off:desc_off + descsz]})
            off = desc_off + (descsz + 3) // 4 * 4
        return out

    def read(self, addr, n):
        """n bytes at addr from the PT_LOADs, or None where they lack one."""
        out = b''
        while n > 0:
            for p in self.loads:
                if p['vaddr'] <= addr < p['vaddr'] + p['filesz']:
                    k = min(n, p['vaddr'] + p['filesz'] - addr)
                    o = p['offset'] + addr - p['vaddr']
                    out += self.data[o:o + k]
                    addr, n = addr + k, n - k
                    break
            else:
                return None
        return out


def prstatus(desc):
    """The fields of an x86-64 struct elf_prstatus (336 bytes)."""
    if len(desc) != 336:
        raise ValueError('NT_PRSTATUS of %d bytes' % len(desc))
    si_signo, si_code, si_errno, cursig = struct.unpack_from('<iiih', desc, 0)
    sigpend, sighold, pid, ppid, pgrp, sid = struct.unpack_from('<QQiiii', desc, 16)
    regs = dict(zip(REGS, struct.unpack_from('<27Q', desc, 112)))
    fpvalid, = struct.unpack_from('<i', desc, 328)
    return {'si_signo': si_signo, 'si_code': si_code, 'si_errno': si_errno, 'cursig': cursig,
            'sigpend': sigpend, 'sighold': sighold, 'pid': pid, 'ppid': ppid, 'pgrp': pgrp, 'sid': sid,
            'regs': regs, 'fpvalid': fpvalid}


def prpsinfo(desc):
    if len(desc) != 136:
        raise ValueError('NT_PRPSINFO of %d bytes' % len(desc))
    state, sname, zomb, nice = struct.unpack_from('<bcbb', desc, 0)
    flag, uid, gid, pid, ppid, pgrp, sid = struct.unpack_from('<QIIiiii', desc, 8)
    return {'state': state, 'sname': sname.decode(), 'uid': uid, 'gid': gid, 'pid': pid, 'ppid': ppid,
            'pgrp': pgrp, 'sid': sid, 'fname': desc[40:56].split(b'\0')[0], 'psargs': desc[56:136].split(b'\0')[0]}


def nt_file(desc):
    """(page size, [(start, end, file offset in pages, name)])."""
    count, page = struct.unpack_from('<QQ', desc, 0)
    if 16 + 24 * count > len(desc):
        raise ValueError('NT_FILE: %d entries do not fit' % count)
    entries = [struct.unpack_from('<QQQ', desc, 16 + 24 * i) for i in range(count)]
    names = desc[16 + 24 * count:].split(b'\0')
    if len(names) < count + 1 or names[count:] != [b''] * (len(names) - count):
        raise ValueError('NT_FILE: %d names for %d entries' % (len(names) - 1, count))
    return page, [(s, e, o, names[i]) for i, (s, e, o) in enumerate(entries)]
