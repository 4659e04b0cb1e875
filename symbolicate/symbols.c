/* SPDX-License-Identifier: MIT */
/* symbolicate/symbols.c: ELF symbol lookup by address, from a table built
 * once per file and kept in the context. libdwfl's dwfl_module_addrinfo
 * scans every symbol on each call and reopens the debug file in each new
 * Dwfl: a daemon symbolicating hundreds of dumps a second cannot afford
 * that. The table comes from .symtab (the file's own, else the separate
 * debug file's) or, in a stripped file with no debug file, .dynsym. */
#include <stdlib.h>
#include <string.h>

#include "symb-internal.h"

struct symb_sym {
        GElf_Addr addr, size;           /* in the main file's addresses */
        const char *name;               /* into the Elf's string table */
};

static Elf_Scn *find_table(Elf *elf, GElf_Word type) {
        Elf_Scn *scn = NULL;

        while (elf && (scn = elf_nextscn(elf, scn))) {
                GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);

                if (sh && sh->sh_type == type && sh->sh_entsize > 0)
                        return scn;
        }
        return NULL;
}

static int sym_cmp(const void *a, const void *b) {
        const struct symb_sym *x = a, *y = b;

        if (x->addr != y->addr)
                return x->addr < y->addr ? -1 : 1;
        /* Aliases (pause, __libc_pause): gdb sorts them by name and takes
         * the last; sorting them backwards puts that one first. */
        return strcmp(y->name, x->name);
}

/* The file's symbol table, as libdwfl picks it: its own .symtab, else the
 * separate debug file's (with its address delta), else .dynsym. */
struct sym_table {
        Elf *elf;
        Elf_Data *data;
        GElf_Word strtab;               /* section index of its names */
        size_t n;
        int64_t delta;                  /* subtracted from st_value */
};

static bool sym_table(struct symb_file *f, struct sym_table *t) {
        Elf_Scn *scn = find_table(f->elf, SHT_SYMTAB);
        GElf_Shdr mem, *sh;

        t->elf = f->elf;
        t->delta = 0;
        if (!scn && f->debug_elf && (scn = find_table(f->debug_elf, SHT_SYMTAB))) {
                t->elf = f->debug_elf;
                t->delta = f->dwarf_delta;
        }
        if (!scn)
                scn = find_table(f->elf, SHT_DYNSYM), t->elf = f->elf, t->delta = 0;
        if (!scn || !(sh = gelf_getshdr(scn, &mem)) || !(t->data = elf_getdata(scn, NULL)))
                return false;
        t->strtab = sh->sh_link;
        t->n = sh->sh_size / sh->sh_entsize;
        return t->n > 0;
}

static void build(struct symb_file *f) {
        struct sym_table t;
        struct symb_sym *v;
        size_t k = 0;

        f->syms_built = true;
        if (!sym_table(f, &t) || !(v = calloc(t.n, sizeof(*v))))
                return;
        for (size_t i = 1; i < t.n; i++) {
                GElf_Sym sym;
                const char *name;
                int type;

                if (!gelf_getsym(t.data, (int) i, &sym))
                        break;
                type = GELF_ST_TYPE(sym.st_info);
                if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS || sym.st_value == 0 ||
                    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE))
                        continue;
                name = elf_strptr(t.elf, t.strtab, sym.st_name);
                if (!name || !*name)
                        continue;
                v[k++] = (struct symb_sym) {
                        .addr = sym.st_value - (GElf_Addr) t.delta,
                        .size = sym.st_size,
                        .name = name,
                };
        }
        qsort(v, k, sizeof(*v), sym_cmp);
        f->syms = v;
        f->n_syms = k;
}

/* How far back a sized symbol that contains the address is looked for
 * (nested or aliased symbols); beyond it, the nearest sizeless one. */
#define LOOK_BACK 16

const char *symb_file_symbol(struct symb_file *f, GElf_Addr a, GElf_Addr *ret_addr) {
        const struct symb_sym *v;
        size_t lo = 0, hi;

        if (!f->syms_built)
                build(f);
        v = f->syms;
        hi = f->n_syms;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v[mid].addr <= a)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0)
                return NULL;
        /* v[lo - 1] is the last symbol at or below a. Symbols at one
         * address sort gdb's choice first; walk back group by group for
         * one whose size covers a. */
        for (size_t i = lo, groups = 0; i > 0 && groups < LOOK_BACK; groups++) {
                size_t start = i - 1;

                while (start > 0 && v[start - 1].addr == v[i - 1].addr)
                        start--;
                for (size_t j = start; j < i; j++)
                        if (v[j].size > 0 && a - v[j].addr < v[j].size) {
                                *ret_addr = v[j].addr;
                                return v[j].name;
                        }
                i = start;
        }
        /* None covers it: the nearest symbol below, if it has no size
         * (assembly entry points such as _start often have none). */
        size_t start = lo - 1;

        while (start > 0 && v[start - 1].addr == v[lo - 1].addr)
                start--;
        for (size_t j = start; j < lo; j++)
                if (v[j].size == 0) {
                        *ret_addr = v[j].addr;
                        return v[j].name;
                }
        return NULL;
}

static int name_cmp(const void *a, const void *b) {
        const struct symb_sym *const *x = a, *const *y = b;

        return strcmp((*x)->name, (*y)->name);
}

/* Call sites name their targets by declaration: looked up per call site,
 * so by binary search in a table sorted once per file, not by a scan of
 * libdwfl's symbol table per lookup. */
bool symb_file_symbol_named(struct symb_file *f, const char *name, GElf_Addr *ret_addr) {
        size_t lo = 0, hi;

        if (!f->syms_built)
                build(f);
        if (!f->by_name && f->n_syms > 0) {
                f->by_name = malloc(f->n_syms * sizeof(*f->by_name));
                if (!f->by_name)
                        return false;
                for (size_t i = 0; i < f->n_syms; i++)
                        f->by_name[i] = &f->syms[i];
                qsort(f->by_name, f->n_syms, sizeof(*f->by_name), name_cmp);
        }
        hi = f->n_syms;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(f->by_name[mid]->name, name);

                if (c == 0) {
                        *ret_addr = f->by_name[mid]->addr;
                        return true;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

/* ---- aliases: every symbol, by value, size and type ----
 *
 * symb_address_name names a pointer with the symbol libdwfl finds, and
 * of the symbols with the same value, size and type takes the last in
 * strcmp order, as gdb's sorted minimal symbols do. Looked up per pointer
 * (an interpreter's 256-entry dispatch table in every eval frame), so by
 * binary search in a table made once per file from the same symbol table
 * libdwfl reads, not by a scan of all its symbols each time. */

struct symb_alias {
        GElf_Addr addr, size;           /* in the main file's addresses */
        unsigned char type;
        const char *name;
};

static int alias_cmp(const void *a, const void *b) {
        const struct symb_alias *x = a, *y = b;

        if (x->addr != y->addr)
                return x->addr < y->addr ? -1 : 1;
        if (x->size != y->size)
                return x->size < y->size ? -1 : 1;
        if (x->type != y->type)
                return x->type < y->type ? -1 : 1;
        return strcmp(x->name, y->name);
}

static void build_aliases(struct symb_file *f) {
        struct sym_table t;
        struct symb_alias *v;
        size_t k = 0;

        f->aliases_built = true;
        if (!sym_table(f, &t) || !(v = calloc(t.n, sizeof(*v))))
                return;
        for (size_t i = 1; i < t.n; i++) {
                GElf_Sym sym;
                const char *name;

                if (!gelf_getsym(t.data, (int) i, &sym))
                        break;
                if (sym.st_shndx == SHN_UNDEF || !(name = elf_strptr(t.elf, t.strtab, sym.st_name)) || !*name)
                        continue;
                v[k++] = (struct symb_alias) {
                        .addr = sym.st_value - (GElf_Addr) t.delta,
                        .size = sym.st_size,
                        .type = (unsigned char) GELF_ST_TYPE(sym.st_info),
                        .name = name,
                };
        }
        qsort(v, k, sizeof(*v), alias_cmp);
        f->aliases = v;
        f->n_aliases = k;
}

const char *symb_file_alias(struct symb_file *f, GElf_Addr addr, GElf_Addr size, int type, const char *name) {
        const struct symb_alias *v;
        size_t lo = 0, hi;

        if (!f->aliases_built)
                build_aliases(f);
        v = f->aliases;
        hi = f->n_aliases;
        /* Past the last entry with this value, size and type. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v[mid].addr < addr || (v[mid].addr == addr && (v[mid].size < size ||
                    (v[mid].size == size && v[mid].type <= type))))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo > 0 && v[lo - 1].addr == addr && v[lo - 1].size == size && v[lo - 1].type == type &&
            strcmp(v[lo - 1].name, name) > 0)
                return v[lo - 1].name;
        return name;
}

/* Data objects by exact address, for what a pointer in a C++ exception's
 * header or object names: "typeinfo for X" (_ZTI...) and "vtable for X"
 * (_ZTV...). A copy-relocated typeinfo in an executable has its own
 * symbol there. */
const char *symb_file_object_at(struct symb_file *f, GElf_Addr addr) {
        const struct symb_alias *v;
        size_t lo = 0, hi;

        if (!f->aliases_built)
                build_aliases(f);
        v = f->aliases;
        hi = f->n_aliases;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v[mid].addr < addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (; lo < f->n_aliases && v[lo].addr == addr; lo++)
                if (v[lo].type == STT_OBJECT)
                        return v[lo].name;
        return NULL;
}
