/* SPDX-License-Identifier: MIT */
/* tools/core-segments.c: the core's PT_LOAD list, one sweep over two
 * sorted, non-overlapping lists (the dump's memory, the mappings), so the
 * cost is linear in what the dump holds. */
#include "core-segments.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>

struct seglist {
        struct core_segment *v;
        size_t n, cap;
};

static int push(struct seglist *l, uint64_t vaddr, uint64_t end, uint32_t flags) {
        struct core_segment *last = l->n ? &l->v[l->n - 1] : NULL;

        if (end <= vaddr)
                return 0;
        /* Adjacent captured bytes with the same permissions: one segment. */
        if (last && last->flags == flags && last->vaddr + last->size == vaddr) {
                last->size += end - vaddr;
                return 0;
        }
        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 64;
                struct core_segment *t = reallocarray(l->v, cap, sizeof(*t));

                if (!t)
                        return -ENOMEM;
                l->v = t;
                l->cap = cap;
        }
        l->v[l->n++] = (struct core_segment) { vaddr, end - vaddr, flags };
        return 0;
}

/* A region's end. One that ends the address space (start + size == 2^64,
 * which the reader lets through) loses its last byte, so that ends fit in
 * 64 bits: that byte is never user memory. */
static uint64_t region_end(const struct proto_memory_region *r) {
        return r->start + r->size < r->start ? UINT64_MAX : r->start + r->size;
}

/* The captured regions, cut where the mapping (and so the permissions)
 * changes. */
static int add_captured(struct seglist *l, const struct proto_dump *d, const struct core_mapping *maps,
                        size_t n_maps) {
        size_t j = 0;
        int r;

        for (size_t i = 0; i < d->n_memory; i++) {
                uint64_t cur = d->memory[i].start, end = region_end(&d->memory[i]);

                while (cur < end) {
                        uint64_t piece;

                        while (j < n_maps && maps[j].end <= cur)
                                j++;
                        if (j < n_maps && maps[j].start <= cur) {
                                piece = maps[j].end < end ? maps[j].end : end;
                                r = push(l, cur, piece, maps[j].flags);
                        } else {
                                piece = j < n_maps && maps[j].start < end ? maps[j].start : end;
                                r = push(l, cur, piece, PF_R | PF_W);
                        }
                        if (r < 0)
                                return r;
                        cur = piece;
                }
        }
        return 0;
}

int core_segments_build(const struct proto_dump *d, const struct core_mapping *maps, size_t n_maps,
                        struct core_segment **ret, size_t *ret_n) {
        struct seglist l = {};
        int r;

        r = add_captured(&l, d, maps, n_maps);
        if (r < 0) {
                free(l.v);
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

int core_segments_copy(const struct proto_dump *d, uint64_t vaddr, uint64_t size,
                       int (*out)(void *userdata, const void *p, size_t n), void *userdata) {
        size_t lo = 0, hi = d->n_memory;

        /* The last region starting at or before vaddr. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (d->memory[mid].start <= vaddr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo ? lo - 1 : 0; size > 0; i++) {
                const struct proto_memory_region *m = &d->memory[i];
                uint64_t off, k;
                int r;

                if (i >= d->n_memory || vaddr < m->start || vaddr >= region_end(m))
                        return -EIO;
                off = vaddr - m->start;
                k = region_end(m) - vaddr < size ? region_end(m) - vaddr : size;
                r = out(userdata, m->data + off, (size_t) k);
                if (r < 0)
                        return r;
                vaddr += k;
                size -= k;
        }
        return 0;
}
