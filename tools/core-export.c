/* SPDX-License-Identifier: MIT */
/* tools/core-export.c: the core's layout, as fs/binfmt_elf.c lays it out:
 * the ELF header, the program headers (PT_NOTE first, then one PT_LOAD per
 * segment, sorted), the notes, then from the next page boundary the bytes
 * of each segment in that order. From 65535 program headers on (PN_XNUM
 * itself is not a count), e_phnum is PN_XNUM and the count is in the
 * sh_info of one section header at the end, as the kernel's extended
 * numbering does (fill_extnum_info), which BFD and lldb read. Everything is planned before the first byte is
 * written, so the output can be a pipe. */
#include "core-export.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-maps.h"
#include "core-notes.h"
#include "core-out.h"
#include "core-segments.h"

/* Segments here start and end where the dump's ranges do, not on page
 * boundaries, so they are aligned only to bytes: p_offset and p_vaddr
 * agree modulo p_align, as ELF asks, and readers that round segments to
 * their alignment (libdwfl) keep them exact. */
#define SEGMENT_ALIGN 1

struct export {
        const struct proto_dump *d;
        struct core_mapping *maps;
        size_t n_maps;
        struct core_segment *segs;
        size_t n_segs;
        struct core_notes *notes;
        struct core_out *out;
        uint64_t phnum, notes_offset, data_offset, shdr_offset;
};

static void export_done(struct export *e) {
        free(e->maps);
        free(e->segs);
        core_notes_free(e->notes);
        free(e->out);
}

static uint64_t round_up(uint64_t v, uint64_t a) {
        return (v + a - 1) / a * a;
}

static int plan(struct export *e, char *err, size_t errlen) {
        const struct proto_dump *d = e->d;
        uint64_t data = 0;
        int r;

        if (d->has_system_info && d->system_info.processor_architecture != MD_CPU_ARCHITECTURE_AMD64) {
                snprintf(err, errlen, "not an x86-64 dump (CPU architecture %u)",
                         d->system_info.processor_architecture);
                return -EPROTONOSUPPORT;
        }
        r = core_maps_parse(d, &e->maps, &e->n_maps);
        if (r >= 0)
                r = core_segments_build(d, e->maps, e->n_maps, &e->segs, &e->n_segs);
        if (r < 0) {
                snprintf(err, errlen, "out of memory");
                return r;
        }
        r = core_notes_plan(d, e->maps, e->n_maps, &e->notes, err, errlen);
        if (r < 0)
                return r;

        /* Sizes are bounded by the dump's (1 GiB at most): 56 bytes of
         * program header per segment, each at least a byte of the dump or
         * a line of maps; nothing here comes near 2^64. */
        e->phnum = 1 + (uint64_t) e->n_segs;
        if (e->phnum > UINT32_MAX) {
                snprintf(err, errlen, "%llu segments are more than ELF can count",
                         (unsigned long long) e->phnum);
                return -E2BIG;
        }
        e->notes_offset = sizeof(Elf64_Ehdr) + e->phnum * sizeof(Elf64_Phdr);
        e->data_offset = e->notes_offset + core_notes_size(e->notes);
        if (e->n_segs > 0)
                e->data_offset = round_up(e->data_offset, 4096);       /* no padding to end on */
        for (size_t i = 0; i < e->n_segs; i++)
                data += e->segs[i].size;
        e->shdr_offset = e->phnum >= PN_XNUM ? round_up(e->data_offset + data, 8) : 0;
        return 0;
}

static int write_headers(struct export *e) {
        Elf64_Ehdr h = {
                .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
                             ELFOSABI_NONE },
                .e_type = ET_CORE,
                .e_machine = EM_X86_64,
                .e_version = EV_CURRENT,
                .e_phoff = sizeof(Elf64_Ehdr),
                .e_ehsize = sizeof(Elf64_Ehdr),
                .e_phentsize = sizeof(Elf64_Phdr),
                .e_phnum = e->phnum >= PN_XNUM ? PN_XNUM : (Elf64_Half) e->phnum,
        };
        Elf64_Phdr note = {
                .p_type = PT_NOTE,
                .p_offset = e->notes_offset,
                .p_filesz = core_notes_size(e->notes),
                .p_align = 4,
        };
        uint64_t offset = e->data_offset;
        int r;

        if (e->shdr_offset) {
                h.e_shoff = e->shdr_offset;
                h.e_shentsize = sizeof(Elf64_Shdr);
                h.e_shnum = 1;
                h.e_shstrndx = SHN_UNDEF;
        }
        r = core_out_put(e->out, &h, sizeof(h));
        if (r >= 0)
                r = core_out_put(e->out, &note, sizeof(note));
        for (size_t i = 0; r >= 0 && i < e->n_segs; i++) {
                const struct core_segment *s = &e->segs[i];
                Elf64_Phdr ph = {
                        .p_type = PT_LOAD,
                        .p_flags = s->flags,
                        .p_offset = offset,
                        .p_vaddr = s->vaddr,
                        .p_filesz = s->size,
                        .p_memsz = s->size,
                        .p_align = SEGMENT_ALIGN,
                };

                r = core_out_put(e->out, &ph, sizeof(ph));
                offset += ph.p_filesz;
        }
        return r;
}

static int write_data(struct export *e) {
        int r = core_out_pad_to(e->out, e->data_offset);

        for (size_t i = 0; r >= 0 && i < e->n_segs; i++)
                r = core_segments_copy(e->d, e->segs[i].vaddr, e->segs[i].size, core_out_put_cb, e->out);
        if (r >= 0 && e->shdr_offset) {
                Elf64_Shdr sh = {
                        .sh_type = SHT_NULL,
                        .sh_size = 1,                   /* e_shnum */
                        .sh_link = SHN_UNDEF,           /* e_shstrndx */
                        .sh_info = (Elf64_Word) e->phnum,
                };

                r = core_out_pad_to(e->out, e->shdr_offset);
                if (r >= 0)
                        r = core_out_put(e->out, &sh, sizeof(sh));
        }
        return r;
}

int core_export_write(const struct proto_dump *d, int out_fd, char *err, size_t errlen) {
        struct export e = { .d = d };
        int r;

        if (errlen > 0)
                err[0] = 0;
        r = plan(&e, err, errlen);
        if (r < 0)
                goto out;
        e.out = malloc(sizeof(*e.out));
        if (!e.out) {
                snprintf(err, errlen, "out of memory");
                r = -ENOMEM;
                goto out;
        }
        core_out_init(e.out, out_fd);
        r = write_headers(&e);
        if (r >= 0)
                r = core_out_pad_to(e.out, e.notes_offset);
        if (r >= 0)
                r = core_notes_write(e.notes, e.out);
        if (r >= 0)
                r = write_data(&e);
        if (r >= 0)
                r = core_out_flush(e.out);
        if (r < 0)
                snprintf(err, errlen, "writing the core: %s", strerror(-r));
out:
        export_done(&e);
        return r;
}
