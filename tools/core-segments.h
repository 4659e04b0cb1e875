/* SPDX-License-Identifier: MIT */
/* tools/core-segments.h: the PT_LOAD segments of a core written from a
 * dump: what memory the core holds, and what it says the files hold. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core-maps.h"
#include "reader.h"

/* Captured bytes: p_filesz = p_memsz = size. */
struct core_segment {
        uint64_t vaddr, size;
        uint32_t flags;         /* PF_R | PF_W | PF_X */
};

/* Every captured byte of d (its memory list and thread stacks, as
 * d->memory holds them), in segments split where the permissions of the
 * maps stream change (PF_R | PF_W where no mapping says), adjacent ones
 * with the same permissions merged. Nothing else: memory the dump lacks
 * gets no segment at all, so that a debugger says it cannot read it
 * instead of showing zeros, and the program's code and read-only data are
 * read from the files NT_FILE names (core-maps.h's from_file). A kernel
 * core would also have byte-less PT_LOADs (p_filesz 0) over those, but gdb
 * reads such a segment as zeros when the file cannot be opened (corelow.c:
 * sections without contents are its last resort), and neither gdb nor
 * lldb needs them to read the files. Sorted by vaddr, never overlapping.
 * Returns 0 or -ENOMEM; *ret is the caller's to free() (NULL when there
 * are none). */
int core_segments_build(const struct proto_dump *d, const struct core_mapping *maps, size_t n_maps,
                        struct core_segment **ret, size_t *ret_n);

/* Copies the captured bytes [vaddr, vaddr + size) to out(userdata, p, n)
 * piece by piece, straight from the dump's buffer. The range must be one
 * segment's. Returns 0, what out returned (< 0), or -EIO if the
 * dump does not hold it all (a bug). */
int core_segments_copy(const struct proto_dump *d, uint64_t vaddr, uint64_t size,
                       int (*out)(void *userdata, const void *p, size_t n), void *userdata);
