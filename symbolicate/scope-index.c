/* SPDX-License-Identifier: MIT */
/* symbolicate/scope-index.c: walks over a file's scopes (a CU's top
 * level, its namespaces and its classes; of C++ function bodies only the
 * classes defined in them), each CU the first time a lookup needs it,
 * for:
 *
 *  - the scope a DIE is declared in ("testing::internal::"), for C++
 *    names: libdw 0.188 has no parent pointers, and dwarf_getscopes_die
 *    walks the CU from its top for every name (a sixth of gtest's
 *    symbolication time before this index);
 *  - the definition of a struct, class, union or enum a CU only declares
 *    (DW_AT_declaration). clang's limited debug info describes a class
 *    fully in one CU only (gtest's testing::AssertionResult is complete in
 *    gtest-all.cc, a bare declaration in the test's CU) and C declares
 *    opaque structs. gdb's check_typedef looks the name up among all
 *    objfiles' types (lookup_transparent_type) and prints the object;
 *    without a definition it says <incomplete type>. The frame's module
 *    is searched first, then the others in load order, as gdb's objfiles
 *    (this walks every CU of a file, once);
 *  - the functions, by address: libdw's dwarf_getscopes walks the whole
 *    CU for each address and prunes namespaces, never finding a function
 *    defined inside one (clang puts a function there when the namespace
 *    alone declares it: gtest's testing::internal::CmpHelperSTREQ).
 *
 * A DIE's file is found from its Dwarf through a registry of the open
 * files (symb_scope_register), as the value printer only has the DIE. */
#include <dwarf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "scope-index.h"
#include "symb-internal.h"

/* Bounds for a hostile file: nesting of namespaces and classes, and the
 * entries of one file's index (a large C++ library has some 10^5). */
#define NEST_MAX 32
#define ENTRIES_MAX 4000000

struct type_entry {
        char *name;             /* qualified: "ns::Outer::Inner" */
        int kind;               /* kind_of(): struct and class are one */
        Dwarf_Off off;          /* of the defining DIE */
};

struct die_entry {
        Dwarf_Off off;
        uint32_t prefix;        /* index into prefixes */
};

struct fn_range {
        Dwarf_Addr low, high;
        Dwarf_Off off;
};

/* One walk's results: a CU's scopes, functions and DIEs (types_only
 * false), or every CU's defined types (types_only). */
struct walk_index {
        bool types_only;
        bool cxx;               /* a C++ CU's: function bodies hold classes */
        Dwarf_Off cu_off;       /* the CU's DIE, for a CU's index */
        char **prefixes;        /* "" first, then "ns::", "ns::K::", ... */
        size_t n_prefixes, cap_prefixes;
        struct die_entry *dies; /* in DIE order, so sorted by offset */
        size_t n_dies, cap_dies;
        struct type_entry *types;
        size_t n_types, cap_types;
        struct fn_range *fns;
        size_t n_fns, cap_fns;
        size_t entries;
        bool full;              /* ENTRIES_MAX or out of memory: stopped */
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

static bool grow(struct walk_index *ix, void **v, size_t *cap, size_t n, size_t size) {
        size_t ncap;
        void *g;

        if (n < *cap)
                return true;
        ncap = *cap ? 2 * *cap : 256;
        if (ix->entries >= ENTRIES_MAX || !(g = realloc(*v, ncap * size))) {
                ix->full = true;
                return false;
        }
        *v = g;
        *cap = ncap;
        return true;
}

static char *join(const char *a, const char *b, const char *c) {
        size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
        char *r = malloc(la + lb + lc + 1);

        if (r) {
                memcpy(r, a, la);
                memcpy(r + la, b, lb);
                memcpy(r + la + lb, c, lc + 1);
        }
        return r;
}

static int add_prefix(struct walk_index *ix, char *p) {
        if (!p || !grow(ix, (void **) &ix->prefixes, &ix->cap_prefixes, ix->n_prefixes, sizeof(char *))) {
                free(p);
                ix->full = true;
                return -1;
        }
        ix->entries++;
        ix->prefixes[ix->n_prefixes] = p;
        return (int) ix->n_prefixes++;
}

static void add_die(struct walk_index *ix, Dwarf_Off off, int prefix) {
        if (!grow(ix, (void **) &ix->dies, &ix->cap_dies, ix->n_dies, sizeof(*ix->dies)))
                return;
        ix->entries++;
        ix->dies[ix->n_dies++] = (struct die_entry) {off, (uint32_t) prefix};
}

static void add_type(struct walk_index *ix, const char *prefix, const char *name, int kind, Dwarf_Off off) {
        char *q = join(prefix, name, "");

        if (!q || !grow(ix, (void **) &ix->types, &ix->cap_types, ix->n_types, sizeof(*ix->types))) {
                free(q);
                ix->full = true;
                return;
        }
        ix->entries++;
        ix->types[ix->n_types++] = (struct type_entry) {q, kind, off};
}

static void add_function(struct walk_index *ix, Dwarf_Die *fn) {
        Dwarf_Addr base, low, high;
        ptrdiff_t k = 0;

        while ((k = dwarf_ranges(fn, k, &base, &low, &high)) > 0 && !ix->full) {
                if (high <= low || !grow(ix, (void **) &ix->fns, &ix->cap_fns, ix->n_fns, sizeof(*ix->fns)))
                        continue;
                ix->entries++;
                ix->fns[ix->n_fns++] = (struct fn_range) {low, high, dwarf_dieoffset(fn)};
        }
}

static void walk(struct walk_index *ix, Dwarf_Die *parent, int prefix, int depth);

/* A C++ function's body, for the classes defined in it and in its
 * blocks: GCC puts the code of their methods there (a lambda's
 * operator(), a local class's run()), in the abstract instance of an
 * inline function too, and gdb finds those by address. Their names have
 * no prefix (gdb's determine_prefix stops at a function). */
static void walk_body(struct walk_index *ix, Dwarf_Die *parent, int depth) {
        Dwarf_Die c;

        if (depth >= NEST_MAX || dwarf_child(parent, &c) != 0)
                return;
        do {
                int tag = dwarf_tag(&c), kind = kind_of(tag);
                const char *name = dwarf_diename(&c);

                if (tag == DW_TAG_lexical_block)
                        walk_body(ix, &c, depth + 1);
                else if (kind == 1 || kind == 2) {
                        int inner = name ? add_prefix(ix, join(name, "::", "")) : 0;

                        add_die(ix, dwarf_dieoffset(&c), 0);
                        if (inner >= 0)
                                walk(ix, &c, inner, depth + 1);
                }
        } while (!ix->full && dwarf_siblingof(&c, &c) == 0);
}

static void walk(struct walk_index *ix, Dwarf_Die *parent, int prefix, int depth) {
        Dwarf_Die c;

        if (depth >= NEST_MAX || dwarf_child(parent, &c) != 0)
                return;
        do {
                int tag = dwarf_tag(&c), kind = kind_of(tag);
                const char *name = dwarf_diename(&c);
                bool code = tag == DW_TAG_subprogram && (dwarf_hasattr(&c, DW_AT_low_pc) || dwarf_hasattr(&c, DW_AT_ranges));

                if (!ix->types_only && (tag == DW_TAG_subprogram || tag == DW_TAG_typedef || kind != 0))
                        add_die(ix, dwarf_dieoffset(&c), prefix);
                if (!ix->types_only && code)
                        add_function(ix, &c);
                if (ix->types_only && kind != 0 && name && !dwarf_hasattr(&c, DW_AT_declaration))
                        add_type(ix, ix->prefixes[prefix], name, kind, dwarf_dieoffset(&c));
                /* A scope: its children are named inside it. An
                 * anonymous namespace is spelled as gdb does; what an
                 * unnamed class holds has no prefix (determine_prefix). */
                if (tag == DW_TAG_namespace || ((kind == 1 || kind == 2) && name)) {
                        int inner = add_prefix(ix, join(ix->prefixes[prefix], name ? name : "(anonymous namespace)", "::"));

                        if (inner >= 0)
                                walk(ix, &c, inner, depth + 1);
                } else if (kind == 1 || kind == 2)
                        walk(ix, &c, 0, depth + 1);
                else if (!ix->types_only && ix->cxx && tag == DW_TAG_subprogram && dwarf_haschildren(&c))
                        walk_body(ix, &c, depth + 1);
        } while (!ix->full && dwarf_siblingof(&c, &c) == 0);
}

static int type_cmp(const void *a, const void *b) {
        const struct type_entry *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        if (r != 0)
                return r;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return x->off < y->off ? -1 : x->off > y->off;
}

/* By start, then DIE order: of aliases with one range (assembly CUs'
 * __clone3, clone3) the search below takes the last, as gdb does. */
static int fn_cmp(const void *a, const void *b) {
        const struct fn_range *x = a, *y = b;

        if (x->low != y->low)
                return x->low < y->low ? -1 : 1;
        return x->off < y->off ? -1 : x->off > y->off;
}

static int die_cmp(const void *a, const void *b) {
        const struct die_entry *x = a, *y = b;

        return x->off < y->off ? -1 : x->off > y->off;
}

static void sort_index(struct walk_index *ix) {
        if (ix->n_types > 1)
                qsort(ix->types, ix->n_types, sizeof(*ix->types), type_cmp);
        if (ix->n_fns > 1)
                qsort(ix->fns, ix->n_fns, sizeof(*ix->fns), fn_cmp);
        /* Walked in DIE order already; sorted to be sure. */
        if (ix->n_dies > 1)
                qsort(ix->dies, ix->n_dies, sizeof(*ix->dies), die_cmp);
}

/* cu's index, or every CU's types (cu NULL). NULL for out of memory. */
static struct walk_index *build(Dwarf *dw, Dwarf_Die *cu) {
        struct walk_index *ix = calloc(1, sizeof(*ix));
        Dwarf_Off off = 0, next;
        size_t hsize;

        if (!ix)
                return NULL;
        ix->types_only = !cu;
        if (add_prefix(ix, strdup("")) < 0) {
                free(ix);
                return NULL;
        }
        if (cu) {
                ix->cu_off = dwarf_dieoffset(cu);
                ix->cxx = symb_die_is_cxx(cu);
                walk(ix, cu, 0, 0);
        } else
                while (!ix->full && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
                        Dwarf_Die d;

                        if (dwarf_offdie(dw, off + hsize, &d))
                                walk(ix, &d, 0, 0);
                        /* Each CU's prefixes are its own. */
                        for (size_t i = 1; i < ix->n_prefixes; i++)
                                free(ix->prefixes[i]);
                        ix->n_prefixes = 1;
                        off = next;
                }
        sort_index(ix);
        return ix;
}

static void walk_index_free(struct walk_index *ix) {
        if (!ix)
                return;
        for (size_t i = 0; i < ix->n_types; i++)
                free(ix->types[i].name);
        for (size_t i = 0; i < ix->n_prefixes; i++)
                free(ix->prefixes[i]);
        free(ix->prefixes);
        free(ix->dies);
        free(ix->types);
        free(ix->fns);
        free(ix);
}

/* A file's indexes: one per CU a lookup needed, made then (a dump touches
 * a few of libc's 1,500 CUs), sorted by the CU's offset; and every CU's
 * types, made when a declared type is first met. */
struct symb_scope_index {
        struct walk_index **cus;
        size_t n_cus, cap_cus;
        struct walk_index *types;
        bool types_built;
};

void symb_scope_index_free(struct symb_scope_index *fx) {
        if (!fx)
                return;
        for (size_t i = 0; i < fx->n_cus; i++)
                walk_index_free(fx->cus[i]);
        free(fx->cus);
        walk_index_free(fx->types);
        free(fx);
}

static struct symb_scope_index *file_index(struct symb_file *f) {
        if (!symb_file_dwarf(f))
                return NULL;
        if (!f->scope_index)
                f->scope_index = calloc(1, sizeof(*f->scope_index));
        return f->scope_index;
}

/* The index of the CU whose DIE is cu in f, made on first use. */
static struct walk_index *cu_index(struct symb_file *f, Dwarf_Die *cu) {
        struct symb_scope_index *fx = file_index(f);
        Dwarf_Off off = dwarf_dieoffset(cu);
        struct walk_index *ix;
        size_t lo = 0, hi;

        if (!fx)
                return NULL;
        hi = fx->n_cus;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (fx->cus[mid]->cu_off < off)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < fx->n_cus && fx->cus[lo]->cu_off == off)
                return fx->cus[lo];
        if (fx->n_cus == fx->cap_cus) {
                size_t cap = fx->cap_cus ? 2 * fx->cap_cus : 16;
                struct walk_index **g = realloc(fx->cus, cap * sizeof(*g));

                if (!g)
                        return NULL;
                fx->cus = g;
                fx->cap_cus = cap;
        }
        if (!(ix = build(f->dwarf, cu)))
                return NULL;
        memmove(fx->cus + lo + 1, fx->cus + lo, (fx->n_cus - lo) * sizeof(*fx->cus));
        fx->cus[lo] = ix;
        fx->n_cus++;
        return ix;
}

static struct walk_index *types_index(struct symb_file *f) {
        struct symb_scope_index *fx = file_index(f);

        if (!fx)
                return NULL;
        if (!fx->types_built) {
                fx->types_built = true;
                fx->types = build(f->dwarf, NULL);
        }
        return fx->types;
}

/* ---- the registry: which file a Dwarf is ---- */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct symb_file **registry;
static size_t n_registry, cap_registry;

void symb_scope_register(struct symb_file *f) {
        pthread_mutex_lock(&registry_lock);
        if (n_registry == cap_registry) {
                size_t cap = cap_registry ? 2 * cap_registry : 64;
                struct symb_file **g = realloc(registry, cap * sizeof(*g));

                if (!g) {
                        /* Unregistered: its names take libdw's slow path. */
                        pthread_mutex_unlock(&registry_lock);
                        return;
                }
                registry = g;
                cap_registry = cap;
        }
        registry[n_registry++] = f;
        pthread_mutex_unlock(&registry_lock);
}

void symb_scope_unregister(struct symb_file *f) {
        pthread_mutex_lock(&registry_lock);
        for (size_t i = 0; i < n_registry; i++)
                if (registry[i] == f) {
                        registry[i] = registry[--n_registry];
                        break;
                }
        if (n_registry == 0) {
                free(registry);
                registry = NULL;
                cap_registry = 0;
        }
        pthread_mutex_unlock(&registry_lock);
}

/* The open file whose Dwarf holds die. A file is only ever used by the
 * thread of its context, so the index needs no lock of its own. */
static struct symb_file *file_of(Dwarf_Die *die) {
        Dwarf *dw = die && die->cu ? dwarf_cu_getdwarf(die->cu) : NULL;
        struct symb_file *f = NULL;

        if (!dw)
                return NULL;
        pthread_mutex_lock(&registry_lock);
        for (size_t i = 0; i < n_registry && !f; i++)
                if (registry[i]->dwarf == dw)
                        f = registry[i];
        pthread_mutex_unlock(&registry_lock);
        return f;
}

/* ---- lookups ---- */

const char *symb_scope_prefix(Dwarf_Die *die) {
        struct symb_file *f = file_of(die);
        Dwarf_Die cu;
        struct walk_index *ix = f && dwarf_diecu(die, &cu, NULL, NULL) ? cu_index(f, &cu) : NULL;
        Dwarf_Off off = dwarf_dieoffset(die);
        size_t lo = 0, hi;

        if (!ix || ix->full)
                return NULL;
        hi = ix->n_dies;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (ix->dies[mid].off < off)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < ix->n_dies && ix->dies[lo].off == off)
                return ix->prefixes[ix->dies[lo].prefix];
        return NULL;
}

bool symb_scope_function(struct symb_file *f, Dwarf_Die *cu, Dwarf_Addr a, Dwarf_Die *ret) {
        struct walk_index *ix = f && cu ? cu_index(f, cu) : NULL;
        size_t lo = 0, hi;

        if (!ix)
                return false;
        hi = ix->n_fns;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (ix->fns[mid].low <= a)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        /* The last range starting at or before a; ranges of distinct
         * functions do not overlap, so one step back suffices. */
        if (lo > 0 && a < ix->fns[lo - 1].high)
                return dwarf_offdie(f->dwarf, ix->fns[lo - 1].off, ret) != NULL;
        return false;
}

/* The first definition of name (kind) in f. */
static bool find_in(struct symb_file *f, const char *name, int kind, Dwarf_Die *def) {
        struct walk_index *ix = types_index(f);
        size_t lo = 0, hi;

        if (!ix)
                return false;
        hi = ix->n_types;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct type_entry *e = &ix->types[mid];
                int r = strcmp(e->name, name);

                if (r < 0 || (r == 0 && e->kind < kind))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < ix->n_types && strcmp(ix->types[lo].name, name) == 0 && ix->types[lo].kind == kind)
                return dwarf_offdie(f->dwarf, ix->types[lo].off, def) != NULL;
        return false;
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

        (void) m;
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
        const char *prefix, *name = dwarf_diename(decl);
        char *q;

        if (!fc || !fc->module || s.kind == 0 || !name || !dwarf_hasattr(decl, DW_AT_declaration))
                return false;
        if (dwfl_module_info(fc->module, &ud, NULL, NULL, NULL, NULL, NULL, NULL) && ud && *ud)
                own = *ud;
        /* A type declared inside a function is not found by its scope;
         * gdb would take the bare name. */
        if (!own || file_of(decl) != own || !(prefix = symb_scope_prefix(decl)))
                return false;
        if (!(q = join(prefix, name, "")))
                return false;
        s.name = q;
        s.skip = own;
        if (find_in(own, q, s.kind, def))
                s.found = true;
        else if (fc->dwfl)
                (void) dwfl_getmodules(fc->dwfl, search_module, &s, 0);
        free(q);
        return s.found;
}
