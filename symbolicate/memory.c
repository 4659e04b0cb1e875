/* SPDX-License-Identifier: MIT */
/* symbolicate/memory.c: the target memory the variable evaluator reads
 * (symb_read_fn). First what the dump captured; then, for addresses in a
 * module's read-only PT_LOAD segments (string literals in .rodata, const
 * tables), the bytes of the module's own verified file, which are what the
 * process had mapped. Writable segments are never read from the file: the
 * process may have changed them, and a stale value is worse than
 * <unavailable>. Debug-only files (NOBITS sections) are never read. */
#include <string.h>

#include "symb-internal.h"

const struct symb_dump_module *symb_module_at(const struct symb_dump_state *s, uint64_t addr) {
        size_t lo = 0, hi = s->n_mods;

        /* The last module starting at or before addr; mods are sorted and
         * do not overlap. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (s->mods[mid].pm->base <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0)
                return NULL;
        const struct symb_dump_module *m = &s->mods[lo - 1];
        return addr - m->pm->base < m->pm->size ? m : NULL;
}

static size_t read_from_file(const struct symb_dump_module *m, uint64_t addr, void *buf, size_t len) {
        const char *image;
        size_t image_size, nph;
        GElf_Addr bias;
        Elf *elf;

        if (!m->file || !m->file->elf || !m->file->elf_has_code || !m->mod)
                return 0;
        elf = dwfl_module_getelf(m->mod, &bias);
        if (!elf || elf_getphdrnum(elf, &nph) < 0)
                return 0;
        image = elf_rawfile(elf, &image_size);
        if (!image)
                return 0;
        for (size_t i = 0; i < nph; i++) {
                GElf_Phdr mem, *ph = gelf_getphdr(elf, (int) i, &mem);
                uint64_t vaddr = addr - bias, off, n;

                if (!ph || ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
                        continue;
                if (vaddr < ph->p_vaddr || vaddr - ph->p_vaddr >= ph->p_filesz)
                        continue;
                off = ph->p_offset + (vaddr - ph->p_vaddr);
                if (off >= image_size)
                        return 0;
                n = ph->p_filesz - (vaddr - ph->p_vaddr);
                if (n > image_size - off)
                        n = image_size - off;
                if (n > len)
                        n = len;
                memcpy(buf, image + off, n);
                return n;
        }
        return 0;
}

size_t symb_read_memory(void *userdata, uint64_t addr, void *buf, size_t len) {
        const struct symb_dump_state *s = userdata;
        const struct symb_dump_module *m;
        size_t n;

        if (len == 0)
                return 0;
        n = proto_dump_read_memory(s->d, addr, buf, len);
        if (n > 0)
                return n;
        m = symb_module_at(s, addr);
        return m ? read_from_file(m, addr, buf, len) : 0;
}
