/* SPDX-License-Identifier: MIT */
/* symbolicate/modules.c: finds the files of one module by its build-id.
 * A file is used only when its own GNU build-id note equals the one the
 * dumper read from the process's memory: a path alone is never trusted,
 * because the program may have been rebuilt or upgraded since the crash.
 *
 * The main file (code: .eh_frame for unwinding, read-only data for
 * values) is looked for at the dump's path (under --sysroot first), in
 * each --debug-dir (.build-id/xx/yyyy, then a plain tree by file name),
 * in /usr/lib/debug/.build-id, then from debuginfod. Its DWARF, if it has
 * none, comes from a separate file: .build-id/xx/yyyy.debug, the
 * .gnu_debuglink name next to it, under .debug/ or /usr/lib/debug, in a
 * debug dir, then debuginfod. When only a debug file exists it serves as
 * the main file (names, lines and variables work; unwinding through that
 * module falls back to frame pointers, since its .eh_frame is NOBITS). */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symb-internal.h"


void symb_hex(const uint8_t *p, size_t n, char *out) {
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[p[i] >> 4];
                out[2 * i + 1] = digits[p[i] & 15];
        }
        out[2 * n] = 0;
}

bool symb_elf_build_id_is(Elf *elf, const uint8_t *id, size_t n) {
        const void *p;
        ssize_t k = dwelf_elf_gnu_build_id(elf, &p);

        return k > 0 && (size_t) k == n && memcmp(p, id, n) == 0;
}

/* What a candidate file holds. */
struct elf_kind {
        bool has_dwarf;         /* .debug_info with bytes */
        bool has_code;          /* .text with bytes (not a --only-keep-debug file) */
};

static struct elf_kind classify(Elf *elf) {
        struct elf_kind k = {false, true};
        size_t shstrndx;
        Elf_Scn *scn = NULL;

        if (elf_getshdrstrndx(elf, &shstrndx) < 0)
                return k;
        while ((scn = elf_nextscn(elf, scn))) {
                GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
                const char *name;

                if (!sh || !(name = elf_strptr(elf, shstrndx, sh->sh_name)))
                        continue;
                if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info"))
                        k.has_dwarf |= sh->sh_type != SHT_NOBITS && sh->sh_size > 0;
                else if (!strcmp(name, ".text"))
                        k.has_code = sh->sh_type != SHT_NOBITS;
        }
        return k;
}

/* An open, verified candidate. */
struct found {
        int fd;
        Elf *elf;
        char *path;
        struct elf_kind kind;
};

static void found_clear(struct found *x) {
        if (x->elf)
                elf_end(x->elf);
        if (x->fd >= 0)
                close(x->fd);
        free(x->path);
        *x = (struct found) {.fd = -1};
}

/* The search for one module. */
struct search {
        struct symb_context *c;
        const struct proto_module *m;
        char hex[2 * PROTO_BUILD_ID_MAX + 1];
        char *mismatch;         /* the first refused file, for the problem text */
        struct found main, debug_only;
};

enum { NOPE = 0, MATCH = 1 };

/* Opens path (or fd, already open) and checks its build-id. On a match,
 * *out takes the file. A different build-id is remembered for the
 * problem text; anything that is not an ELF file is just skipped. */
static int try_file_fd(struct search *s, int fd, const char *path, struct found *out) {
        struct stat st;
        Elf *elf;
        const void *p;
        ssize_t k;

        if (fd < 0)
                return NOPE;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return NOPE;
        }
        elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!elf || elf_kind(elf) != ELF_K_ELF) {
                if (elf)
                        elf_end(elf);
                close(fd);
                return NOPE;
        }
        if (!symb_elf_build_id_is(elf, s->m->build_id, s->m->build_id_size)) {
                if (!s->mismatch) {
                        char other[2 * PROTO_BUILD_ID_MAX + 1] = "none";

                        k = dwelf_elf_gnu_build_id(elf, &p);
                        if (k > 0 && (size_t) k <= PROTO_BUILD_ID_MAX)
                                symb_hex(p, (size_t) k, other);
                        if (asprintf(&s->mismatch, "build-id mismatch: %s has %s, the dump has %s", path,
                                     other, s->hex) < 0)
                                s->mismatch = NULL;
                }
                elf_end(elf);
                close(fd);
                return NOPE;
        }
        out->path = strdup(path);
        if (!out->path) {
                elf_end(elf);
                close(fd);
                return -ENOMEM;
        }
        out->fd = fd;
        out->elf = elf;
        out->kind = classify(elf);
        return MATCH;
}

static int try_file(struct search *s, const char *path, struct found *out) {
        /* Paths come from the dump, which anyone may write: opened as
         * safe-open.c says (no FIFO can hold us, nothing under /proc, /sys
         * or /dev, regular files only). */
        int fd = symb_open_untrusted(path);

        return try_file_fd(s, fd < 0 ? -1 : fd, path, out);
}

/* A candidate for the main file: code wins; a debug-only file with the
 * right build-id is kept as the fallback main file. */
static int try_main(struct search *s, const char *path) {
        struct found x = {.fd = -1};
        int r;

        if (s->main.elf)
                return MATCH;
        r = try_file(s, path, &x);
        if (r <= 0)
                return r;
        if (x.kind.has_code) {
                s->main = x;
                return MATCH;
        }
        if (!s->debug_only.elf && x.kind.has_dwarf)
                s->debug_only = x;
        else
                found_clear(&x);
        return NOPE;
}

static int try_mainf(struct search *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int try_mainf(struct search *s, const char *fmt, ...) {
        char path[PATH_MAX];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(path, sizeof(path), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(path))
                return NOPE;
        return try_main(s, path);
}

/* A candidate for the separate debug file: must have DWARF. */
static int try_debug(struct search *s, const char *path, struct found *out) {
        struct found x = {.fd = -1};
        int r;

        if (out->elf)
                return MATCH;
        r = try_file(s, path, &x);
        if (r <= 0)
                return r;
        if (!x.kind.has_dwarf) {
                found_clear(&x);
                return NOPE;
        }
        *out = x;
        return MATCH;
}

static int try_debugf(struct search *s, struct found *out, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int try_debugf(struct search *s, struct found *out, const char *fmt, ...) {
        char path[PATH_MAX];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(path, sizeof(path), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(path))
                return NOPE;
        return try_debug(s, path, out);
}

/* Every file named base under debug dir i, until one matches. */
static int tree_each(struct search *s, size_t i, const char *base, struct found *debug_out) {
        const char *path;
        int r = NOPE;

        for (size_t k = 0; r == NOPE && (path = symb_tree_path(s->c, i, base, k)); k++)
                r = debug_out ? try_debug(s, path, debug_out) : try_main(s, path);
        return r;
}

/* The executable or the debug file from debuginfod, checked like any
 * other candidate. */
static int try_debuginfod(struct search *s, bool debuginfo, struct found *debug_out) {
        struct found x = {.fd = -1};
        char *path = NULL;
        int fd, r;

        fd = symb_debuginfod_fetch(s->c, s->m->build_id, s->m->build_id_size, debuginfo, &path);
        if (fd < 0) {
                free(path);
                return NOPE;
        }
        r = try_file_fd(s, fd, path ? path : "debuginfod", &x);
        free(path);
        if (r != MATCH)
                return r;
        if (debuginfo ? !x.kind.has_dwarf : !x.kind.has_code) {
                found_clear(&x);
                return NOPE;
        }
        if (debuginfo)
                *debug_out = x;
        else
                s->main = x;
        return MATCH;
}

/* ---- the vdso ---- */

/* The kernel's vDSO has no file. When the dump's vdso has the build-id of
 * the one this process got (the same kernel build), that image is it. */
static int try_local_vdso(struct search *s, struct symb_file *f) {
        const uint8_t *img = (const uint8_t *) getauxval(AT_SYSINFO_EHDR);
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *) img;
        uint64_t size;
        Elf *elf;
        void *copy;

        if (!img || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
                return NOPE;
        /* The image ends with its section headers (the kernel builds it
         * that way); everything up to there is mapped. */
        size = eh->e_shoff + (uint64_t) eh->e_shnum * eh->e_shentsize;
        if (eh->e_shoff == 0 || size > 65536)
                return NOPE;
        copy = malloc(size);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, img, size);
        elf = elf_memory(copy, size);
        if (!elf || !symb_elf_build_id_is(elf, s->m->build_id, s->m->build_id_size)) {
                if (elf)
                        elf_end(elf);
                free(copy);
                return NOPE;
        }
        f->elf = elf;
        f->image = copy;
        f->elf_has_code = true;
        f->elf_path = strdup("[vdso]");
        return f->elf_path ? MATCH : -ENOMEM;
}

static bool is_vdso(const char *name) {
        return !strcmp(name, "linux-gate.so") || !strcmp(name, "[vdso]") || !strcmp(name, "linux-vdso.so.1");
}

/* ---- the search ---- */

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');

        return s ? s + 1 : p;
}

static int find_main(struct search *s) {
        struct symb_context *c = s->c;
        const char *name = s->m->name;
        const char *base = base_name(name);
        int r = NOPE;

        /* The path in the dump, under the sysroot first. */
        if (c->o.sysroot && name[0] == '/')
                r = try_mainf(s, "%s%s", c->o.sysroot, name);
        if (r == NOPE && name[0] == '/')
                r = try_main(s, name);
        for (size_t i = 0; r == NOPE && i < c->o.n_debug_dirs; i++) {
                const char *dir = c->o.debug_dirs[i];

                r = try_mainf(s, "%s/.build-id/%.2s/%s", dir, s->hex, s->hex + 2);
                if (r == NOPE && name[0] == '/')
                        r = try_mainf(s, "%s%s", dir, name);
                if (r == NOPE && *base)
                        r = tree_each(s, i, base, NULL);
        }
        if (r == NOPE && !c->o.no_system_debug)
                r = try_mainf(s, "/usr/lib/debug/.build-id/%.2s/%s", s->hex, s->hex + 2);
        if (r == NOPE)
                r = try_debuginfod(s, false, NULL);
        return r < 0 ? r : 0;
}

static int find_debug(struct search *s, struct found *out) {
        struct symb_context *c = s->c;
        const char *link = NULL;
        char dir[PATH_MAX] = "";
        GElf_Word crc;
        int r = NOPE;

        if (s->main.elf) {
                const char *slash = strrchr(s->main.path, '/');

                link = dwelf_elf_gnu_debuglink(s->main.elf, &crc);
                if (slash && (size_t) (slash - s->main.path) < sizeof(dir))
                        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - s->main.path), s->main.path);
                if (link && (!*link || strchr(link, '/')))
                        link = NULL;    /* a debuglink is a bare file name */
        }
        for (size_t i = 0; r == NOPE && i < c->o.n_debug_dirs; i++) {
                const char *d = c->o.debug_dirs[i];

                r = try_debugf(s, out, "%s/.build-id/%.2s/%s.debug", d, s->hex, s->hex + 2);
                if (r == NOPE && link)
                        r = tree_each(s, i, link, out);
                if (r == NOPE) {
                        char dbg[NAME_MAX + 1];

                        if (snprintf(dbg, sizeof(dbg), "%s.debug", base_name(s->m->name)) < (int) sizeof(dbg))
                                r = tree_each(s, i, dbg, out);
                }
        }
        /* The .gnu_debuglink search of GDB and libdwfl, with the main
         * file's real directory. */
        if (r == NOPE && link && *dir) {
                r = try_debugf(s, out, "%s/%s", dir, link);
                if (r == NOPE)
                        r = try_debugf(s, out, "%s/.debug/%s", dir, link);
                if (r == NOPE && c->o.sysroot)
                        r = try_debugf(s, out, "%s/usr/lib/debug%s/%s", c->o.sysroot, dir, link);
                if (r == NOPE && !c->o.no_system_debug)
                        r = try_debugf(s, out, "/usr/lib/debug%s/%s", dir, link);
        }
        if (r == NOPE && c->o.sysroot)
                r = try_debugf(s, out, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", c->o.sysroot, s->hex,
                               s->hex + 2);
        if (r == NOPE && !c->o.no_system_debug)
                r = try_debugf(s, out, "/usr/lib/debug/.build-id/%.2s/%s.debug", s->hex, s->hex + 2);
        if (r == NOPE)
                r = try_debuginfod(s, true, out);
        return r < 0 ? r : 0;
}

int symb_resolve_module(struct symb_context *c, const struct proto_module *m, struct symb_file *f) {
        struct search s = {.c = c, .m = m, .main = {.fd = -1}, .debug_only = {.fd = -1}};
        struct found debug = {.fd = -1};
        int r;

        if (m->build_id_size == 0) {
                f->problem = strdup("no build-id in the dump: a file is never matched by its path alone");
                return f->problem ? 0 : -ENOMEM;
        }
        symb_hex(m->build_id, m->build_id_size, s.hex);
        if (is_vdso(m->name)) {
                r = try_local_vdso(&s, f);
                if (r != NOPE)
                        return r < 0 ? r : 0;
        }

        r = find_main(&s);
        if (r >= 0 && !(s.main.elf && s.main.kind.has_dwarf))
                r = find_debug(&s, &debug);
        if (r < 0)
                goto out;

        if (!s.main.elf && (debug.elf || s.debug_only.elf)) {
                /* Only DWARF: the debug file is the main file (libdwfl
                 * needs a main ELF before it looks for DWARF). */
                s.main = debug.elf ? debug : s.debug_only;
                if (debug.elf)
                        debug = (struct found) {.fd = -1};
                else
                        s.debug_only = (struct found) {.fd = -1};
        }
        if (s.main.elf) {
                f->elf = TAKE_PTR(s.main.elf);
                f->elf_fd = s.main.fd;
                s.main.fd = -1;
                f->elf_path = TAKE_PTR(s.main.path);
                f->elf_has_code = s.main.kind.has_code;
                if (debug.elf) {
                        f->debug_path = TAKE_PTR(debug.path);
                        f->debug_elf = TAKE_PTR(debug.elf);
                        f->debug_fd = debug.fd;
                        debug.fd = -1;
                        symb_file_set_delta(f);
                }
        } else if (s.mismatch)
                f->problem = TAKE_PTR(s.mismatch);
        else if (asprintf(&f->problem, "not found (build-id %s)", s.hex) < 0) {
                f->problem = NULL;
                r = -ENOMEM;
        }
out:
        found_clear(&s.main);
        found_clear(&s.debug_only);
        found_clear(&debug);
        free(s.mismatch);
        return r < 0 ? r : 0;
}
