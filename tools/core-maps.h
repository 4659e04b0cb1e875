/* SPDX-License-Identifier: MIT */
/* tools/core-maps.h: the dump's /proc/PID/maps stream, parsed for the core
 * writer: which address ranges were mapped with which permissions, and
 * which of them a debugger may read from the file they map. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

struct core_mapping {
        uint64_t start, end;            /* [start, end), start < end */
        uint64_t offset;                /* in the file, in bytes */
        uint64_t inode;
        uint32_t flags;                 /* PF_R | PF_W | PF_X */
        bool shared;
        /* The bytes are the file's: a read-only private mapping of a
         * module's file that is not RELRO (see core-maps.c). Only these
         * go into NT_FILE, which is where gdb reads what the core lacks. */
        bool from_file;
        const char *path;               /* into the dump, not NUL-terminated, no NUL inside; NULL: none */
        size_t path_len;
};

/* The mappings of d's maps stream, sorted by start and not overlapping
 * (a hostile stream's overlapping lines and lines that do not parse are
 * dropped). *ret is NULL and *ret_n 0 when the dump has no maps stream.
 * Returns 0 or -ENOMEM; *ret is the caller's to free(). */
int core_maps_parse(const struct proto_dump *d, struct core_mapping **ret, size_t *ret_n);
