/* SPDX-License-Identifier: MIT */
/* symbolicate/context.c: a symb_context holds the options and, for its
 * lifetime, every module file it has found, keyed by build-id and path:
 * the ELF stays open and mapped, so a second dump of the same program
 * skips the search, the build-id checks and the CU range table. The
 * per-dump Dwfl borrows these Elf handles by reference count. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "symb-internal.h"
#include "scope-index.h"

static char *strdup_or_null(const char *s, bool *oom) {
        char *r;

        if (!s)
                return NULL;
        r = strdup(s);
        if (!r)
                *oom = true;
        return r;
}

int symb_context_new(const struct symb_options *o, struct symb_context **ret) {
        struct symb_context *c;
        bool oom = false;

        if (!ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (o)
                c->o = *o;
        if (c->o.n_debug_dirs > 0) {
                c->debug_dirs = calloc(c->o.n_debug_dirs, sizeof(char *));
                if (!c->debug_dirs)
                        oom = true;
                for (size_t i = 0; !oom && i < c->o.n_debug_dirs; i++)
                        c->debug_dirs[i] = strdup_or_null(o->debug_dirs[i], &oom);
        }
        c->sysroot = strdup_or_null(c->o.sysroot && *c->o.sysroot ? c->o.sysroot : NULL, &oom);
        c->o.debug_dirs = (const char *const *) c->debug_dirs;
        c->o.sysroot = c->sysroot;
        if (c->o.max_frames == 0)
                c->o.max_frames = SYMB_DEFAULT_MAX_FRAMES;
        if (c->o.max_depth == 0)
                c->o.max_depth = SYMB_DEFAULT_MAX_DEPTH;
        if (c->o.max_elements == 0)
                c->o.max_elements = SYMB_DEFAULT_MAX_ELEMENTS;
        if (c->o.debuginfod_timeout_s <= 0)
                c->o.debuginfod_timeout_s = SYMB_DEFAULT_DEBUGINFOD_TIMEOUT_S;
        symb_limits_fill(&c->o.limits);
        c->mask = symb_strv_copy(c->o.mask, &oom);
        c->o.mask = (const char *const *) c->mask;
        if (oom) {
                symb_context_free(c);
                return -ENOMEM;
        }
        /* libelf refuses every call until the version is set. */
        elf_version(EV_CURRENT);
        *ret = c;
        return 0;
}

void symb_file_free(struct symb_file *f) {
        if (!f)
                return;
        if (f->elf)
                elf_end(f->elf);
        free(f->image);
        if (f->elf_fd >= 0)
                close(f->elf_fd);
        if (f->dwarf) {
                symb_scope_unregister(f);
                dwarf_end(f->dwarf);
        }
        if (f->debug_elf)
                elf_end(f->debug_elf);
        if (f->debug_fd >= 0)
                close(f->debug_fd);
        free(f->key);
        free(f->elf_path);
        free(f->debug_path);
        free(f->problem);
        free(f->cus);
        free(f->syms);
        free(f->by_name);
        free(f->aliases);
        symb_file_scopes_clear(f, false);
        symb_scope_index_free(f->scope_index);
        free(f);
}

static time_t now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec;
}

/* Between calls only, so that no report in the making holds a file: a
 * miss is worth another look after a while (a debug package installed
 * since, a debuginfod server back up); a hit, or the refusal of a wrong
 * file, stays. Scope caches are bounded here too. */
void symb_context_trim(struct symb_context *c) {
        time_t now = now_s();
        size_t k = 0;

        for (size_t i = 0; i < c->n_files; i++) {
                struct symb_file *f = c->files[i];

                if (!f->elf && now - f->resolved_at >= SYMB_MISS_RETRY_S) {
                        symb_file_free(f);
                        continue;
                }
                symb_file_scopes_clear(f, true);
                c->files[k++] = f;
        }
        c->n_files = k;
}

int symb_context_set_mask_limits(struct symb_context *c, const char *const *mask, const struct symb_limits *limits) {
        bool oom = false;
        char **m;

        if (!c)
                return -EINVAL;
        m = symb_strv_copy(mask, &oom);
        if (oom)
                return -ENOMEM;
        symb_strv_free(c->mask);
        c->mask = m;
        c->o.mask = (const char *const *) m;
        c->o.limits = limits ? *limits : (struct symb_limits) {0};
        symb_limits_fill(&c->o.limits);
        return 0;
}

void symb_context_free(struct symb_context *c) {
        if (!c)
                return;
        symb_strv_free(c->mask);
        for (size_t i = 0; i < c->n_files; i++)
                symb_file_free(c->files[i]);
        free(c->files);
        for (size_t i = 0; i < c->o.n_debug_dirs && c->debug_dirs; i++)
                free(c->debug_dirs[i]);
        free(c->debug_dirs);
        free(c->sysroot);
        symb_trees_free(c);
        symb_debuginfod_free(c);
        free(c);
}

/* "hex-build-id\0path": the same build-id at two paths may resolve
 * differently (the path in the dump is one of the candidates). */
static char *make_key(const struct proto_module *m, size_t *len) {
        size_t nl = strlen(m->name), hl = 2 * m->build_id_size;
        char *k = malloc(hl + 1 + nl + 1);

        if (!k)
                return NULL;
        symb_hex(m->build_id, m->build_id_size, k);
        memcpy(k + hl + 1, m->name, nl + 1);
        *len = hl + 1 + nl;
        return k;
}

static int key_cmp(const char *a, const char *b) {
        int r = strcmp(a, b);

        return r ? r : strcmp(a + strlen(a) + 1, b + strlen(b) + 1);
}


int symb_context_lookup(struct symb_context *c, const struct proto_module *m, struct symb_file **ret) {
        _cleanup_free_ char *key = NULL;
        struct symb_file *f, **grown;
        size_t lo = 0, hi = c->n_files, klen;
        int r;

        key = make_key(m, &klen);
        if (!key)
                return -ENOMEM;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int k = key_cmp(c->files[mid]->key, key);

                if (k == 0) {
                        *ret = c->files[mid];
                        return 0;
                }
                if (k < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->elf_fd = -1;
        f->debug_fd = -1;
        f->key = TAKE_PTR(key);
        memcpy(f->build_id, m->build_id, m->build_id_size);
        f->build_id_size = m->build_id_size;
        r = symb_resolve_module(c, m, f);
        if (r < 0) {
                symb_file_free(f);
                return r;
        }
        f->resolved_at = now_s();

        grown = realloc(c->files, (c->n_files + 1) * sizeof(*grown));
        if (!grown) {
                symb_file_free(f);
                return -ENOMEM;
        }
        c->files = grown;
        memmove(&c->files[lo + 1], &c->files[lo], (c->n_files - lo) * sizeof(f));
        c->files[lo] = f;
        c->n_files++;
        *ret = f;
        return 0;
}

int symb_locate_module(struct symb_context *c, const struct proto_module *m, char **ret_path,
                       char **ret_debug_path, char **ret_problem) {
        struct symb_file *f;
        int r;

        *ret_path = *ret_debug_path = *ret_problem = NULL;
        /* Resolved afresh (not from the cache): the caller wants paths,
         * and a cached file may have been refused or replaced since. */
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->elf_fd = -1;
        f->debug_fd = -1;
        r = symb_resolve_module(c, m, f);
        if (r >= 0) {
                *ret_path = TAKE_PTR(f->elf_path);
                *ret_debug_path = TAKE_PTR(f->debug_path);
                *ret_problem = TAKE_PTR(f->problem);
        }
        symb_file_free(f);
        return r < 0 ? r : 0;
}

/* The first PT_LOAD's address: a file and its separate debug file agree
 * on it unless one of them was prelinked. */
static bool first_load_vaddr(Elf *elf, GElf_Addr *ret) {
        size_t n;

        if (elf_getphdrnum(elf, &n) < 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                GElf_Phdr mem, *ph = gelf_getphdr(elf, (int) i, &mem);

                if (ph && ph->p_type == PT_LOAD) {
                        *ret = ph->p_vaddr;
                        return true;
                }
        }
        return false;
}

void symb_file_set_delta(struct symb_file *f) {
        GElf_Addr a, b;

        if (f->debug_elf && first_load_vaddr(f->elf, &a) && first_load_vaddr(f->debug_elf, &b))
                f->dwarf_delta = (int64_t) (b - a);
}

Dwarf *symb_file_dwarf(struct symb_file *f) {
        Elf *elf;

        if (f->dwarf_tried)
                return f->dwarf;
        f->dwarf_tried = true;
        elf = f->debug_elf ? f->debug_elf : f->elf;
        if (!elf)
                return NULL;
        f->dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
        if (f->dwarf)
                symb_scope_register(f);
        return f->dwarf;
}

static int cu_range_cmp(const void *a, const void *b) {
        const struct symb_cu_range *x = a, *y = b;

        return x->low < y->low ? -1 : x->low > y->low;
}

/* Every CU's address ranges, sorted: built once per file, for binaries
 * without .debug_aranges (clang's default), where libdw 0.188's
 * dwarf_addrdie finds nothing. */
static void build_cus(struct symb_file *f, Dwarf *dw) {
        struct symb_cu_range *v = NULL;
        size_t n = 0, cap = 0, hsize;
        Dwarf_Off off = 0, next;

        f->cus_built = true;
        while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
                Dwarf_Die cu;
                Dwarf_Addr base, start, end;
                ptrdiff_t k = 0;

                if (dwarf_offdie(dw, off + hsize, &cu))
                        while ((k = dwarf_ranges(&cu, k, &base, &start, &end)) > 0) {
                                if (end <= start)
                                        continue;
                                if (n == cap) {
                                        size_t ncap = cap ? 2 * cap : 64;
                                        struct symb_cu_range *g = realloc(v, ncap * sizeof(*v));

                                        if (!g) {
                                                free(v);
                                                return;
                                        }
                                        v = g;
                                        cap = ncap;
                                }
                                v[n++] = (struct symb_cu_range) {start, end, off + hsize};
                        }
                off = next;
        }
        if (n > 0)
                qsort(v, n, sizeof(*v), cu_range_cmp);
        f->cus = v;
        f->n_cus = n;
}

bool symb_file_cu(struct symb_file *f, Dwarf_Addr a, Dwarf_Die *ret) {
        Dwarf *dw = symb_file_dwarf(f);
        size_t lo = 0, hi;

        if (!dw)
                return false;
        if (dwarf_addrdie(dw, a, ret))
                return true;
        if (!f->cus_built)
                build_cus(f, dw);
        /* The last range starting at or before a; look back a little for
         * the rare CU whose ranges nest in another's. */
        hi = f->n_cus;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (f->cus[mid].low <= a)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo, k = 0; i > 0 && k < 8; i--, k++)
                if (a >= f->cus[i - 1].low && a < f->cus[i - 1].high)
                        return dwarf_offdie(dw, f->cus[i - 1].cu_offset, ret) != NULL;
        return false;
}
