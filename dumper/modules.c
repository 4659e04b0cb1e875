/* SPDX-License-Identifier: MIT */
/* dumper/modules.c: the module list, with each ELF's build-id read from
 * the process's memory (the file on disk may have been replaced since it
 * was loaded), and the dynamic linker's r_debug list. Runs in the child;
 * async-signal-safe: reads go through capture_read_memory(), which can't
 * fault (process_vm_readv, or the core handler's copy of a core). */
#include <elf.h>
#include <errno.h>
#include <link.h>

#include "capture.h"
#include "safe.h"

#define NOTES_MAX 4096

bool capture_read_elf(struct capture *c, uint64_t base, struct capture_elf *ret) {
        Elf64_Ehdr eh;
        uint64_t min_vaddr = UINT64_MAX;
        size_t i;

        ret->n_phdrs = 0;
        ret->bias = 0;
        ret->image_end = 0;
        if (capture_read_memory(c, base, &eh, sizeof(eh)) != sizeof(eh) ||
            eh.e_ident[EI_MAG0] != ELFMAG0 || eh.e_ident[EI_MAG1] != ELFMAG1 ||
            eh.e_ident[EI_MAG2] != ELFMAG2 || eh.e_ident[EI_MAG3] != ELFMAG3 ||
            eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
                return false;
        ret->n_phdrs = eh.e_phnum < CAPTURE_MAX_PHDRS ? eh.e_phnum : CAPTURE_MAX_PHDRS;
        if (capture_read_memory(c, base + eh.e_phoff, ret->phdrs, ret->n_phdrs * sizeof(Elf64_Phdr)) !=
            ret->n_phdrs * sizeof(Elf64_Phdr)) {
                ret->n_phdrs = 0;
                return false;
        }
        for (i = 0; i < ret->n_phdrs; i++)
                if (ret->phdrs[i].p_type == PT_LOAD && ret->phdrs[i].p_vaddr < min_vaddr)
                        min_vaddr = ret->phdrs[i].p_vaddr;
        if (eh.e_type == ET_DYN && min_vaddr != UINT64_MAX)
                ret->bias = base - (min_vaddr & ~(uint64_t) 4095);
        /* Where the image ends in memory: the last segment's .bss reaches
         * past the file's pages, into an anonymous mapping. */
        for (i = 0; i < ret->n_phdrs; i++) {
                const Elf64_Phdr *ph = &ret->phdrs[i];
                uint64_t end = (ret->bias + ph->p_vaddr + ph->p_memsz + 4095) & ~(uint64_t) 4095;

                if (ph->p_type == PT_LOAD && ph->p_memsz < (UINT64_C(1) << 40) && end > ret->image_end)
                        ret->image_end = end;
        }
        return true;
}

/* Finds NT_GNU_BUILD_ID in the notes of the ELF image e. */
static size_t read_build_id(struct capture *c, const struct capture_elf *e, uint8_t *out, size_t max) {
        const Elf64_Phdr *ph = e->phdrs;
        uint64_t bias = e->bias;
        uint8_t notes[NOTES_MAX];
        size_t nph = e->n_phdrs, i;

        for (i = 0; i < nph; i++) {
                size_t len, off = 0;

                if (ph[i].p_type != PT_NOTE)
                        continue;
                len = ph[i].p_filesz < NOTES_MAX ? (size_t) ph[i].p_filesz : NOTES_MAX;
                len = capture_read_memory(c, bias + ph[i].p_vaddr, notes, len);
                while (off + sizeof(Elf64_Nhdr) <= len) {
                        Elf64_Nhdr nh;
                        size_t name_off, desc_off, next;

                        safe_memcpy(&nh, notes + off, sizeof(nh));
                        name_off = off + sizeof(nh);
                        desc_off = name_off + ((nh.n_namesz + 3u) & ~3u);
                        next = desc_off + ((nh.n_descsz + 3u) & ~3u);
                        if (nh.n_namesz > NOTES_MAX || nh.n_descsz > NOTES_MAX || next > len)
                                break;
                        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                            notes[name_off] == 'G' && notes[name_off + 1] == 'N' &&
                            notes[name_off + 2] == 'U' && notes[name_off + 3] == 0) {
                                size_t n = nh.n_descsz < max ? nh.n_descsz : max;

                                safe_memcpy(out, notes + desc_off, n);
                                return n;
                        }
                        off = next;
                }
        }
        return 0;
}

static int write_module(struct capture *c, struct md_module *mod, const char *name, size_t name_len,
                        uint64_t base, uint64_t end) {
        struct capture_elf e;
        uint8_t id[64];
        size_t id_len = 0;
        uint32_t rva;
        int r;

        /* The .bss past the file's last page belongs to the module too:
         * pointers into it are named by its symbols. Only as far as the
         * mappings really go on (the next mapping may start sooner). */
        if (capture_read_elf(c, base, &e)) {
                const struct dumper_mapping *m = maps_find(&c->maps, end);

                if (e.image_end > end && m && !m->path_len && m->start == end)
                        end = e.image_end < m->end ? e.image_end : m->end;
                id_len = read_build_id(c, &e, id, sizeof(id));
        }
        mod->base_of_image = base;
        mod->size_of_image = end - base > UINT32_MAX ? UINT32_MAX : (uint32_t) (end - base);
        r = proto_writer_string(&c->w, name, name_len, &mod->module_name_rva);
        if (r < 0)
                return r;
        if (id_len) {
                struct md_cv_info_elf *cv = proto_buf_reserve(&c->out, 4 + id_len, 4, &rva);

                if (!cv)
                        return -ENOSPC;
                cv->cv_signature = MD_CVINFOELF_SIGNATURE;
                safe_memcpy(cv->build_id, id, id_len);
                mod->cv_record.rva = rva;
                mod->cv_record.data_size = (uint32_t) (4 + id_len);
        }
        return 0;
}

int capture_write_modules(struct capture *c) {
        struct md_module *mods;
        uint32_t list_rva, n = 0;
        size_t i, max = c->maps.n;
        int r;

        /* Modules go into scratch first: their names and build-ids are
         * written into the dump while we walk. */
        mods = proto_buf_reserve(&c->scratch, max * sizeof(*mods) + 1, 8, NULL);
        if (!mods)
                return -ENOMEM;
        for (i = 0; i < c->maps.n; i++) {
                const struct dumper_mapping *m = &c->maps.m[i], *last = m;
                bool executable;
                size_t j;

                if (mapping_path_is(m, "[vdso]")) {
                        r = write_module(c, &mods[n], "linux-gate.so", 13, m->start, m->end);
                        if (r < 0)
                                return r;
                        n++;
                        continue;
                }
                /* A module starts with its file's first page mapped and has
                 * code; data files, shared memory and devices are not
                 * modules. */
                if (!mapping_starts_file(m))
                        continue;
                executable = (m->perms & MAP_X) != 0;
                for (j = i + 1; j < c->maps.n; j++)
                        if (mapping_same_path(&c->maps.m[j], m)) {
                                if (c->maps.m[j].offset == 0)
                                        break;  /* mapped again: another module */
                                last = &c->maps.m[j];
                                executable |= (last->perms & MAP_X) != 0;
                        } else if (c->maps.m[j].path_len != 0)
                                break;  /* anonymous .bss between segments is fine */
                if (!executable)
                        continue;
                /* The same file mapped again later (a second dlopen, a
                 * data file) is a new module only if it starts at 0 again. */
                r = write_module(c, &mods[n], m->path, m->path_len, m->start, last->end);
                if (r < 0)
                        return r;
                n++;
        }
        r = proto_buf_append(&c->out, &n, 4, 4, &list_rva);
        if (r < 0)
                return r;
        r = proto_buf_append(&c->out, mods, n * sizeof(*mods), 4, NULL);
        if (r < 0)
                return r;
        return proto_writer_add_stream(&c->w, MD_STREAM_MODULE_LIST, list_rva,
                                       (uint32_t) (4 + n * sizeof(*mods)));
}

size_t capture_link_maps(struct capture *c, struct r_debug *dbg, uint64_t *addrs, size_t max) {
        struct link_map lm;
        size_t n = 0;

        /* _r_debug is the dynamic linker's list of loaded objects (the
         * dumper's child has a copy of it at the same address; the core
         * handler finds it through the executable's DT_DEBUG). */
        if (!c->r_debug || capture_read_memory(c, c->r_debug, dbg, sizeof(*dbg)) != sizeof(*dbg)) {
                safe_memset(dbg, 0, sizeof(*dbg));
                return 0;
        }
        for (uint64_t a = (uint64_t) (uintptr_t) dbg->r_map; a && n < max; a = (uint64_t) (uintptr_t) lm.l_next) {
                if (capture_read_memory(c, a, &lm, sizeof(lm)) != sizeof(lm))
                        break;
                addrs[n++] = a;
        }
        return n;
}

int capture_write_dso_debug(struct capture *c) {
        struct r_debug dbg;
        struct link_map lm;
        struct md_raw_link_map *maps;
        struct md_raw_debug *out;
        uint64_t addrs[CAPTURE_MAX_LINK_MAPS];
        uint32_t debug_rva, map_rva, n = 0;
        size_t count = capture_link_maps(c, &dbg, addrs, CAPTURE_MAX_LINK_MAPS);
        char name[512];
        int r;

        if (dbg.r_version == 0)
                return 0;       /* unreadable (the loader sets version 1 and up) */
        maps = proto_buf_reserve(&c->scratch, CAPTURE_MAX_LINK_MAPS * sizeof(*maps), 8, NULL);
        if (!maps)
                return -ENOMEM;
        for (size_t i = 0; i < count; i++) {
                size_t len;

                if (capture_read_memory(c, addrs[i], &lm, sizeof(lm)) != sizeof(lm))
                        break;
                len = lm.l_name ? capture_read_memory(c, (uint64_t) (uintptr_t) lm.l_name, name, sizeof(name) - 1) : 0;
                name[len] = 0;
                len = safe_strnlen(name, len);
                maps[n].addr = lm.l_addr;
                maps[n].ld = (uint64_t) (uintptr_t) lm.l_ld;
                r = proto_writer_string(&c->w, name, len, &maps[n].name);
                if (r < 0)
                        return r;
                n++;
        }
        r = proto_buf_append(&c->out, maps, n * sizeof(*maps), 4, &map_rva);
        if (r < 0)
                return r;
        out = proto_buf_reserve(&c->out, sizeof(*out), 4, &debug_rva);
        if (!out)
                return -ENOSPC;
        out->version = (uint32_t) dbg.r_version;
        out->map = n ? map_rva : 0;
        out->dso_count = n;
        out->brk = (uint64_t) dbg.r_brk;
        out->ldbase = (uint64_t) dbg.r_ldbase;
        out->dynamic = n ? maps[0].ld : 0;
        return proto_writer_add_stream(&c->w, MD_STREAM_LINUX_DSO_DEBUG, debug_rva, sizeof(*out));
}
