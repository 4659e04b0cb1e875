/* SPDX-License-Identifier: MIT */
/* dumper/maps.c: see maps.h. Async-signal-safe: plain code over buffers. */
#include "maps.h"

#include "safe.h"

static const char *skip_spaces(const char *p, const char *end) {
        while (p < end && *p == ' ')
                p++;
        return p;
}

static const char *skip_field(const char *p, const char *end) {
        while (p < end && *p != ' ' && *p != '\n')
                p++;
        return skip_spaces(p, end);
}

size_t maps_parse(const char *text, size_t len, struct dumper_mapping *out, size_t max) {
        const char *p = text, *end = text + len;
        size_t n = 0;

        while (p < end && n < max) {
                const char *eol = p;
                struct dumper_mapping m = { 0 };

                while (eol < end && *eol != '\n')
                        eol++;
                /* start-end perms offset dev inode [path] */
                if (!safe_parse_u64(&p, eol, 16, &m.start) || p >= eol || *p++ != '-' ||
                    !safe_parse_u64(&p, eol, 16, &m.end) || m.end <= m.start)
                        goto next;
                p = skip_spaces(p, eol);
                if (eol - p < 4)
                        goto next;
                m.perms = (p[0] == 'r' ? MAP_R : 0) | (p[1] == 'w' ? MAP_W : 0) |
                          (p[2] == 'x' ? MAP_X : 0);
                p = skip_field(p, eol);
                if (!safe_parse_u64(&p, eol, 16, &m.offset))
                        goto next;
                p = skip_spaces(p, eol);
                p = skip_field(p, eol);                 /* dev */
                if (!safe_parse_u64(&p, eol, 10, &m.inode))
                        goto next;
                p = skip_spaces(p, eol);
                m.path = p;
                m.path_len = (uint32_t) (eol - p);
                out[n++] = m;
        next:
                p = eol + 1;
        }
        return n;
}

const struct dumper_mapping *maps_find(const struct dumper_maps *maps, uint64_t addr) {
        size_t lo = 0, hi = maps->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct dumper_mapping *m = &maps->m[mid];

                if (addr < m->start)
                        hi = mid;
                else if (addr >= m->end)
                        lo = mid + 1;
                else
                        return m;
        }
        return NULL;
}

const struct dumper_mapping *maps_next(const struct dumper_maps *maps, uint64_t addr) {
        size_t lo = 0, hi = maps->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (maps->m[mid].start < addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < maps->n ? &maps->m[lo] : NULL;
}

bool mapping_path_is(const struct dumper_mapping *m, const char *s) {
        size_t n = safe_strlen(s);

        if (n != m->path_len)
                return false;
        for (size_t i = 0; i < n; i++)
                if (m->path[i] != s[i])
                        return false;
        return true;
}

bool mapping_starts_file(const struct dumper_mapping *m) {
        return m->offset == 0 && m->inode != 0 && m->path_len >= 2 && m->path[0] == '/' &&
               !(m->path_len > 5 && safe_startswith(m->path, "/dev/"));
}

bool mapping_same_path(const struct dumper_mapping *a, const struct dumper_mapping *b) {
        if (a->path_len != b->path_len || a->inode != b->inode)
                return false;
        for (size_t i = 0; i < a->path_len; i++)
                if (a->path[i] != b->path[i])
                        return false;
        return true;
}
