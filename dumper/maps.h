/* SPDX-License-Identifier: MIT */
/* dumper/maps.h: /proc/PID/maps, parsed without allocation. The text stays
 * where it was read (it also goes into the dump); entries point into it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAP_R 1u
#define MAP_W 2u
#define MAP_X 4u

struct dumper_mapping {
        uint64_t start, end, offset, inode;
        uint32_t perms;                 /* MAP_R | MAP_W | MAP_X */
        const char *path;               /* into the maps text; not NUL-terminated */
        uint32_t path_len;              /* 0: anonymous */
};

struct dumper_maps {
        struct dumper_mapping *m;
        size_t n;
};

/* Parses text into out (room for max entries); returns how many. */
size_t maps_parse(const char *text, size_t len, struct dumper_mapping *out, size_t max);
/* The mapping that contains addr, or NULL. Entries must be sorted. */
const struct dumper_mapping *maps_find(const struct dumper_maps *maps, uint64_t addr);
/* The first mapping that starts at or after addr, or NULL. */
const struct dumper_mapping *maps_next(const struct dumper_maps *maps, uint64_t addr);
bool mapping_path_is(const struct dumper_mapping *m, const char *s);
/* Does m hold the first page of an ELF file mapped from disk: where a
 * module starts (not anonymous memory, a pseudo-file, a device)? */
bool mapping_starts_file(const struct dumper_mapping *m);
bool mapping_same_path(const struct dumper_mapping *a, const struct dumper_mapping *b);
