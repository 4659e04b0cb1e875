/* SPDX-License-Identifier: MIT */
/* tools/core-maps.c: /proc/PID/maps lines ("start-end perms offset dev
 * inode path", as fs/proc/task_mmu.c prints them) from a dump, which is
 * hostile text: every number is checked for overflow, a line that does
 * not parse is skipped, and paths are bounded.
 *
 * Which mappings a debugger may read from their file (from_file): only
 * what the file really held at the crash. A read-only private mapping of a
 * module's file is that, with one exception: RELRO (.data.rel.ro, .got,
 * .dynamic), which the dynamic linker relocated while it was writable and
 * then made read-only. Its bytes are the relocated pointers, not the
 * file's; read from the file they would be stale values where the dump
 * has none, which is worse than an error. The kernel knows the difference
 * (an anon_vma); maps does not print it, but RELRO is always the start of
 * the writable PT_LOAD, so in maps it is a read-only mapping directly
 * followed by a writable one (the rest of that segment, or its anonymous
 * .bss). Such a mapping is never from_file. This also catches a library
 * without RELRO whose .rodata ends right where .data starts: its bytes
 * then read as missing, which is safe. Writable and shared mappings, and
 * files that are not modules (locale-archive, fonts), are never from_file:
 * symbolicate/memory.c, which crashctl's values come from, reads only the
 * read-only PT_LOADs of a module's file too. */
#include "core-maps.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A path longer than this is not a path the kernel prints; its mapping is
 * kept but not read from a file. */
#define PATH_LEN_MAX 4095

struct cursor {
        const char *p, *end;
};

static bool eat(struct cursor *c, char ch) {
        if (c->p < c->end && *c->p == ch) {
                c->p++;
                return true;
        }
        return false;
}

static int digit(char ch, unsigned base) {
        unsigned v;

        if (ch >= '0' && ch <= '9')
                v = (unsigned) (ch - '0');
        else if (ch >= 'a' && ch <= 'f')
                v = (unsigned) (ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
                v = (unsigned) (ch - 'A' + 10);
        else
                return -1;
        return v < base ? (int) v : -1;
}

static bool number(struct cursor *c, unsigned base, uint64_t *ret) {
        uint64_t v = 0;
        bool any = false;
        int k;

        while (c->p < c->end && (k = digit(*c->p, base)) >= 0) {
                if (v > (UINT64_MAX - (uint64_t) k) / base)
                        return false;
                v = v * base + (uint64_t) k;
                c->p++;
                any = true;
        }
        *ret = v;
        return any;
}

static bool parse_line(const char *line, size_t n, struct core_mapping *m) {
        struct cursor c = { line, line + n };
        uint64_t major, minor;
        const char *perms;

        *m = (struct core_mapping) {};
        if (!number(&c, 16, &m->start) || !eat(&c, '-') || !number(&c, 16, &m->end) || !eat(&c, ' '))
                return false;
        if (m->start >= m->end || c.end - c.p < 5)
                return false;
        perms = c.p;
        if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
            (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 'p' && perms[3] != 's') || perms[4] != ' ')
                return false;
        m->flags = (perms[0] == 'r' ? PF_R : 0) | (perms[1] == 'w' ? PF_W : 0) | (perms[2] == 'x' ? PF_X : 0);
        m->shared = perms[3] == 's';
        c.p += 5;
        if (!number(&c, 16, &m->offset) || !eat(&c, ' ') || !number(&c, 16, &major) || !eat(&c, ':') ||
            !number(&c, 16, &minor) || !eat(&c, ' ') || !number(&c, 10, &m->inode))
                return false;
        while (c.p < c.end && *c.p == ' ')
                c.p++;
        if (c.p < c.end) {
                /* The rest of the line is the path; a NUL (hostile) ends it,
                 * since NT_FILE's names are NUL-terminated. */
                const char *nul = memchr(c.p, 0, (size_t) (c.end - c.p));

                m->path = c.p;
                m->path_len = (size_t) ((nul ? nul : c.end) - c.p);
                if (m->path_len == 0)
                        m->path = NULL;
        }
        return true;
}

static int by_start(const void *a, const void *b) {
        const struct core_mapping *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

static int module_by_base(const void *a, const void *b) {
        const struct proto_module *x = *(const struct proto_module *const *) a;
        const struct proto_module *y = *(const struct proto_module *const *) b;

        return x->base < y->base ? -1 : x->base > y->base;
}

/* The module whose image holds [start, end) and whose name is the path. */
static bool is_module_file(const struct proto_module *const *mods, size_t n, const struct core_mapping *m) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (mods[mid]->base <= m->start)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        /* Modules may overlap in a hostile dump: look back over every one
         * that starts at or before the mapping, within reason. */
        for (size_t i = lo, seen = 0; i > 0 && seen < 64; i--, seen++) {
                const struct proto_module *mod = mods[i - 1];

                if (m->start - mod->base >= mod->size || m->end - mod->base > mod->size)
                        continue;
                if (strlen(mod->name) == m->path_len && memcmp(mod->name, m->path, m->path_len) == 0)
                        return true;
        }
        return false;
}

static void classify(const struct proto_dump *d, struct core_mapping *maps, size_t n,
                     const struct proto_module *const *mods) {
        for (size_t i = 0; i < n; i++) {
                struct core_mapping *m = &maps[i];

                if (m->shared || m->flags & PF_W || !(m->flags & PF_R) || m->inode == 0 || !m->path ||
                    m->path[0] != '/' || m->path_len > PATH_LEN_MAX)
                        continue;
                if (!(m->flags & PF_X) && i + 1 < n && maps[i + 1].start == m->end && maps[i + 1].flags & PF_W)
                        continue;       /* RELRO, or what looks like it */
                m->from_file = is_module_file(mods, d->n_modules, m);
        }
}

int core_maps_parse(const struct proto_dump *d, struct core_mapping **ret, size_t *ret_n) {
        const char *text = (const char *) d->maps.data, *end, *p;
        const struct proto_module **mods = NULL;
        struct core_mapping *maps = NULL, m;
        size_t n = 0, cap = 0, kept = 0;

        *ret = NULL;
        *ret_n = 0;
        if (!text || d->maps.size == 0)
                return 0;
        end = text + d->maps.size;
        /* Grown as lines parse: a line that parses has at least 16 bytes
         * ("0-1 r--p 0 0:0 0"), so this stays within a few times the
         * stream's size, however many newlines a hostile one holds. */
        for (p = text; p < end;) {
                const char *line = p, *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = (size_t) ((nl ? nl : end) - line);

                p = nl ? nl + 1 : end;
                if (!parse_line(line, len, &m))
                        continue;
                if (n == cap) {
                        size_t ncap = cap ? 2 * cap : 64;
                        struct core_mapping *t = reallocarray(maps, ncap, sizeof(*maps));

                        if (!t) {
                                free(maps);
                                return -ENOMEM;
                        }
                        maps = t;
                        cap = ncap;
                }
                maps[n++] = m;
        }
        if (n == 0) {
                free(maps);
                return 0;
        }
        /* The kernel prints them sorted; a hostile stream need not. */
        qsort(maps, n, sizeof(*maps), by_start);
        for (size_t i = 0; i < n; i++)
                if (kept == 0 || maps[i].start >= maps[kept - 1].end)
                        maps[kept++] = maps[i];

        if (d->n_modules > 0) {
                mods = calloc(d->n_modules, sizeof(*mods));
                if (!mods) {
                        free(maps);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < d->n_modules; i++)
                        mods[i] = &d->modules[i];
                qsort(mods, d->n_modules, sizeof(*mods), module_by_base);
                classify(d, maps, kept, mods);
                free(mods);
        }
        *ret = maps;
        *ret_n = kept;
        return 0;
}
