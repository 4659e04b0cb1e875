/* SPDX-License-Identifier: MIT */
/* dumper/regions.h: the set of address ranges a dump will hold, kept
 * sorted and merged, in memory the caller provides. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct region {
        uint64_t start, end;
};

struct region_set {
        struct region *r;
        size_t n, max;
};

/* Adds [start, end); returns how many bytes were not in the set before,
 * or 0 when nothing changed (also when the set is full). */
uint64_t region_add(struct region_set *s, uint64_t start, uint64_t end);
/* Takes [start, end) out of the set (splitting a region that holds it;
 * when the set is full, the split-off part above end is dropped too). */
void region_remove(struct region_set *s, uint64_t start, uint64_t end);
/* Bytes of [start, end) already in the set. */
uint64_t region_covered(const struct region_set *s, uint64_t start, uint64_t end);
/* The region that contains addr, or NULL. */
const struct region *region_find(const struct region_set *s, uint64_t addr);
