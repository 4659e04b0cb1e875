/* SPDX-License-Identifier: MIT */
/* tools/core-segments.h: the PT_LOAD segments of a core written from a
 * dump: what memory the core holds, and what it says the files hold. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core-maps.h"
#include "reader.h"

struct core_segment {
        uint64_t vaddr, size;
        uint32_t flags;         /* PF_R | PF_W | PF_X */
        /* true: the dump's bytes (p_filesz = p_memsz = size); false: none
         * (p_filesz 0) over a from_file mapping, whose bytes gdb and lldb
         * read from the file NT_FILE names, as in a kernel core that
         * coredump_filter left file-backed text out of. */
        bool captured;
};

/* Every captured byte of d (its memory list and thread stacks, as
 * d->memory holds them), in segments split where the permissions of the
 * maps stream change (PF_R | PF_W where no mapping says), adjacent ones
 * with the same permissions merged; and the rest of each from_file mapping
 * as segments without bytes. Memory that is in neither gets no segment at
 * all, so that a debugger says it cannot read it instead of showing zeros.
 * Sorted by vaddr, never overlapping. Returns 0 or -ENOMEM; *ret is the
 * caller's to free() (NULL when there are none). */
int core_segments_build(const struct proto_dump *d, const struct core_mapping *maps, size_t n_maps,
                        struct core_segment **ret, size_t *ret_n);

/* Copies the captured bytes [vaddr, vaddr + size) to out(userdata, p, n)
 * piece by piece, straight from the dump's buffer. The range must be one
 * captured segment's. Returns 0, what out returned (< 0), or -EIO if the
 * dump does not hold it all (a bug). */
int core_segments_copy(const struct proto_dump *d, uint64_t vaddr, uint64_t size,
                       int (*out)(void *userdata, const void *p, size_t n), void *userdata);
