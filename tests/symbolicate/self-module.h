/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/self-module.h: where this test program is mapped and
 * its build-id, as the dumper would have recorded them, so that a dump
 * built by hand can name the program itself as its module (found by its
 * real build-id, with its real DWARF). */
#pragma once

#include <elf.h>
#include <link.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

struct self_module {
        char path[PATH_MAX];
        uint64_t base, end;
        uint8_t build_id[PROTO_BUILD_ID_MAX];
        size_t build_id_size;
};

static int self_module_cb(struct dl_phdr_info *info, size_t size, void *arg) {
        struct self_module *s = arg;
        uint64_t lo = UINT64_MAX, hi = 0;

        (void) size;
        /* The first entry is the program itself. */
        for (int i = 0; i < info->dlpi_phnum; i++) {
                const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

                if (ph->p_type == PT_LOAD) {
                        if (ph->p_vaddr < lo)
                                lo = ph->p_vaddr;
                        if (ph->p_vaddr + ph->p_memsz > hi)
                                hi = ph->p_vaddr + ph->p_memsz;
                }
                if (ph->p_type == PT_NOTE) {
                        const uint8_t *p = (const uint8_t *) (info->dlpi_addr + ph->p_vaddr);
                        size_t off = 0;

                        while (off + sizeof(ElfW(Nhdr)) <= ph->p_filesz) {
                                const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *) (p + off);
                                size_t name = off + sizeof(*nh), desc = name + ((nh->n_namesz + 3) & ~3u);

                                if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                                    !memcmp(p + name, "GNU", 4) && nh->n_descsz <= PROTO_BUILD_ID_MAX) {
                                        memcpy(s->build_id, p + desc, nh->n_descsz);
                                        s->build_id_size = nh->n_descsz;
                                }
                                off = desc + ((nh->n_descsz + 3) & ~3u);
                        }
                }
        }
        s->base = (info->dlpi_addr + lo) & ~UINT64_C(4095);
        s->end = info->dlpi_addr + hi;
        return 1;
}

/* 0, or -1 when the program has no build-id (the test is then skipped). */
static inline int self_module_find(struct self_module *s) {
        memset(s, 0, sizeof(*s));
        if (!realpath("/proc/self/exe", s->path))
                return -1;
        dl_iterate_phdr(self_module_cb, s);
        return s->build_id_size ? 0 : -1;
}

static inline void self_module_fill(const struct self_module *s, struct proto_module *m) {
        m->base = s->base;
        m->size = s->end - s->base;
        m->name = (char *) s->path;
        memcpy(m->build_id, s->build_id, s->build_id_size);
        m->build_id_size = s->build_id_size;
}
