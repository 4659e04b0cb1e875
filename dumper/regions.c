/* SPDX-License-Identifier: MIT */
/* dumper/regions.c: see regions.h. Async-signal-safe: plain code. A few
 * thousand regions at most, so a sorted array with binary search and
 * element moves is simple and fast enough. */
#include "regions.h"

/* Index of the first region whose end is >= addr. */
static size_t lower_bound(const struct region_set *s, uint64_t addr) {
        size_t lo = 0, hi = s->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (s->r[mid].end < addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

uint64_t region_covered(const struct region_set *s, uint64_t start, uint64_t end) {
        uint64_t covered = 0;

        for (size_t i = lower_bound(s, start); i < s->n && s->r[i].start < end; i++) {
                uint64_t a = s->r[i].start > start ? s->r[i].start : start;
                uint64_t b = s->r[i].end < end ? s->r[i].end : end;

                if (b > a)
                        covered += b - a;
        }
        return covered;
}

uint64_t region_add(struct region_set *s, uint64_t start, uint64_t end) {
        size_t i, j;
        uint64_t added;

        if (end <= start)
                return 0;
        added = (end - start) - region_covered(s, start, end);
        if (added == 0)
                return 0;
        /* Regions [i, j) touch or overlap [start, end): merge them into one. */
        i = lower_bound(s, start);
        for (j = i; j < s->n && s->r[j].start <= end; j++) {
                if (s->r[j].start < start)
                        start = s->r[j].start;
                if (s->r[j].end > end)
                        end = s->r[j].end;
        }
        if (j == i) {
                if (s->n >= s->max)
                        return 0;
                for (size_t k = s->n; k > i; k--)
                        s->r[k] = s->r[k - 1];
                s->n++;
        } else if (j > i + 1) {
                size_t gone = j - i - 1;

                for (size_t k = i + 1; k + gone < s->n; k++)
                        s->r[k] = s->r[k + gone];
                s->n -= gone;
        }
        s->r[i].start = start;
        s->r[i].end = end;
        return added;
}

void region_remove(struct region_set *s, uint64_t start, uint64_t end) {
        size_t i = lower_bound(s, start + 1);

        if (end <= start)
                return;
        while (i < s->n && s->r[i].start < end) {
                struct region *r = &s->r[i];

                if (r->end <= start) {
                        i++;
                } else if (r->start >= start && r->end <= end) {
                        for (size_t k = i; k + 1 < s->n; k++)
                                s->r[k] = s->r[k + 1];
                        s->n--;
                } else if (r->start < start && r->end > end) {
                        /* Split; with no room left, the part above goes. */
                        if (s->n < s->max) {
                                for (size_t k = s->n; k > i + 1; k--)
                                        s->r[k] = s->r[k - 1];
                                s->n++;
                                s->r[i + 1].start = end;
                                s->r[i + 1].end = r->end;
                        }
                        r->end = start;
                        return;
                } else if (r->start < start) {
                        r->end = start;
                        i++;
                } else {
                        r->start = end;
                        return;
                }
        }
}

const struct region *region_find(const struct region_set *s, uint64_t addr) {
        size_t i = lower_bound(s, addr);

        /* lower_bound finds end >= addr; the region must hold addr itself. */
        while (i < s->n && s->r[i].end <= addr)
                i++;
        if (i < s->n && s->r[i].start <= addr && addr < s->r[i].end)
                return &s->r[i];
        return NULL;
}
