/* SPDX-License-Identifier: MIT */
/* symbolicate/type-index.c: the definition of a struct, class, union or
 * enum that a CU only declares (DW_AT_declaration). clang's default
 * limited debug info describes a class fully in one CU only (gtest's
 * testing::AssertionResult is complete in gtest-all.cc and a bare
 * declaration in the test's CU), and C programs declare opaque structs
 * defined elsewhere. gdb's check_typedef then looks the name up among all
 * the objfiles' types (lookup_transparent_type), and prints the object;
 * without a definition it says <incomplete type>.
 *
 * Here each file gets, on the first declaration met in it, an index of
 * its defined types by qualified name ("testing::AssertionResult"), built
 * from every CU's top level, its namespaces and the types nested in
 * classes: no function bodies are entered. The module the declaration is
 * in is searched first, then the others in load order, as gdb's objfiles. */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "symb-internal.h"
#include "type-index.h"

/* Bounds for a hostile file: nesting of namespaces and classes, and the
 * entries of one file's index (a large C++ library has some 10^5). */
#define NEST_MAX 32
#define TYPES_MAX 2000000

struct symb_type_entry {
        char *name;             /* qualified: "ns::Outer::Inner" */
        int kind;               /* kind_of(): struct and class are one */
        Dwarf_Off off;          /* of the defining DIE in the file's Dwarf */
};

struct symb_type_index {
        struct symb_type_entry *v;
        size_t n, cap;
        bool truncated;
};

/* gdb's type codes: a class and a struct are both TYPE_CODE_STRUCT, and
 * a declaration as one may be defined as the other. */
static int kind_of(int tag) {
        switch (tag) {
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
                return 1;
        case DW_TAG_union_type:
                return 2;
        case DW_TAG_enumeration_type:
                return 3;
        default:
                return 0;
        }
}

static bool is_scope(int tag) {
        return tag == DW_TAG_namespace || kind_of(tag) == 1 || kind_of(tag) == 2;
}

/* "outer::name": malloc'ed, NULL for out of memory. An anonymous
 * namespace is spelled as gdb does. */
static char *qualify(const char *outer, Dwarf_Die *die) {
        const char *name = dwarf_diename(die);
        size_t lo = outer ? strlen(outer) : 0, ln;
        char *r;

        if (!name)
                name = dwarf_tag(die) == DW_TAG_namespace ? "(anonymous namespace)" : NULL;
        if (!name)
                return NULL;
        ln = strlen(name);
        r = malloc(lo + 2 + ln + 1);
        if (!r)
                return NULL;
        if (outer) {
                memcpy(r, outer, lo);
                memcpy(r + lo, "::", 2);
                lo += 2;
        }
        memcpy(r + lo, name, ln + 1);
        return r;
}

static bool add(struct symb_type_index *ix, char *name, int kind, Dwarf_Off off) {
        if (ix->n == ix->cap) {
                size_t cap = ix->cap ? 2 * ix->cap : 256;
                struct symb_type_entry *g;

                if (ix->n >= TYPES_MAX || !(g = realloc(ix->v, cap * sizeof(*g)))) {
                        ix->truncated = true;
                        free(name);
                        return false;
                }
                ix->v = g;
                ix->cap = cap;
        }
        ix->v[ix->n++] = (struct symb_type_entry) {name, kind, off};
        return true;
}

/* The defined, named types among parent's children, and those nested in
 * its namespaces and classes. */
static void index_children(struct symb_type_index *ix, Dwarf_Die *parent, const char *outer, int depth) {
        Dwarf_Die c;

        if (depth >= NEST_MAX || dwarf_child(parent, &c) != 0)
                return;
        do {
                int tag = dwarf_tag(&c);
                char *q;

                if (!is_scope(tag) && kind_of(tag) == 0)
                        continue;
                /* An unnamed type is found through its typedef's DIE, never
                 * by name; an unnamed class holds no nameable types. */
                if (!(q = qualify(outer, &c)))
                        continue;
                if (is_scope(tag))
                        index_children(ix, &c, q, depth + 1);
                if (kind_of(tag) != 0 && !dwarf_hasattr(&c, DW_AT_declaration)) {
                        if (!add(ix, q, kind_of(tag), dwarf_dieoffset(&c)))
                                return;
                } else
                        free(q);
        } while (!ix->truncated && dwarf_siblingof(&c, &c) == 0);
}

static int entry_cmp(const void *a, const void *b) {
        const struct symb_type_entry *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        if (r != 0)
                return r;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return x->off < y->off ? -1 : x->off > y->off;
}

static struct symb_type_index *build(Dwarf *dw) {
        struct symb_type_index *ix = calloc(1, sizeof(*ix));
        Dwarf_Off off = 0, next;
        size_t hsize;

        if (!ix)
                return NULL;
        while (!ix->truncated && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
                Dwarf_Die cu;

                if (dwarf_offdie(dw, off + hsize, &cu))
                        index_children(ix, &cu, NULL, 0);
                off = next;
        }
        if (ix->n > 1)
                qsort(ix->v, ix->n, sizeof(*ix->v), entry_cmp);
        return ix;
}

void symb_type_index_free(struct symb_type_index *ix) {
        if (!ix)
                return;
        for (size_t i = 0; i < ix->n; i++)
                free(ix->v[i].name);
        free(ix->v);
        free(ix);
}

/* The first definition of name (kind) in f. */
static bool find_in(struct symb_file *f, const char *name, int kind, Dwarf_Die *def) {
        Dwarf *dw = symb_file_dwarf(f);
        size_t lo = 0, hi;

        if (!dw)
                return false;
        if (!f->types_built) {
                f->types_built = true;
                f->types = build(dw);
        }
        if (!f->types)
                return false;
        hi = f->types->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct symb_type_entry *e = &f->types->v[mid];
                int r = strcmp(e->name, name);

                if (r < 0 || (r == 0 && e->kind < kind))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < f->types->n && strcmp(f->types->v[lo].name, name) == 0 && f->types->v[lo].kind == kind)
                return dwarf_offdie(dw, f->types->v[lo].off, def) != NULL;
        return false;
}

/* decl's qualified name from its scopes in the DIE tree. */
static char *qualified_name(Dwarf_Die *decl) {
        Dwarf_Die *chain = NULL;
        int n = dwarf_getscopes_die(decl, &chain);
        char *q = NULL;

        /* chain: decl, its parents..., the CU. */
        for (int i = n - 2; i >= 0; i--) {
                char *next;

                if (i > 0 && !is_scope(dwarf_tag(&chain[i]))) {
                        /* A type local to a function: gdb finds it by its
                         * bare name; so do we. */
                        free(q);
                        q = NULL;
                        continue;
                }
                next = qualify(q, &chain[i]);
                free(q);
                q = next;
                if (!q)
                        break;
        }
        free(chain);
        return q;
}

struct search {
        const char *name;
        int kind;
        struct symb_file *skip;
        Dwarf_Die *def;
        bool found;
};

static int search_module(Dwfl_Module *m, void **ud, const char *n, Dwarf_Addr a, void *arg) {
        struct search *s = arg;

        (void) n;
        (void) a;
        if (ud && *ud && *ud != s->skip && find_in(*ud, s->name, s->kind, s->def)) {
                s->found = true;
                return DWARF_CB_ABORT;
        }
        return DWARF_CB_OK;
}

bool symb_type_definition(const struct symb_frame_context *fc, Dwarf_Die *decl, Dwarf_Die *def) {
        struct symb_file *own = NULL;
        void **ud = NULL;
        struct search s = { .kind = kind_of(dwarf_tag(decl)), .def = def };
        char *name;

        if (!fc || !fc->module || s.kind == 0 || !dwarf_hasattr(decl, DW_AT_declaration))
                return false;
        if (dwfl_module_info(fc->module, &ud, NULL, NULL, NULL, NULL, NULL, NULL) && ud && *ud)
                own = *ud;
        /* The declaration's DIE must be from the file's Dwarf: the one the
         * frame's DIEs come from (frames.c). */
        if (!own || symb_file_dwarf(own) != dwarf_cu_getdwarf(decl->cu))
                return false;
        if (!(name = qualified_name(decl)))
                return false;
        s.name = name;
        s.skip = own;
        if (find_in(own, name, s.kind, def))
                s.found = true;
        else if (fc->dwfl)
                (void) dwfl_getmodules(fc->dwfl, search_module, &s, 0);
        free(name);
        return s.found;
}
