/* SPDX-License-Identifier: MIT */
/* symbolicate/scopes.c: the concrete scope chain at an address, cached per
 * file. libdw finds scopes by walking the CU's DIE tree from the top, twice
 * (dwarf_getscopes, then dwarf_getscopes_die for the concrete parents of
 * an inlined call); the same crash seen again hits the same addresses, so
 * the context remembers each chain. Entries stay valid for the whole of a
 * symb_symbolicate() call: the cache is only trimmed between calls. */
#include <dwarf.h>
#include <string.h>

#include "symb-internal.h"

/* Bounds the memory of a long-lived context: past this many addresses a
 * file's cache is emptied at the start of the next call. */
#define SCOPES_MAX 65536

static uint64_t hash(Dwarf_Addr a) {
        return (a ^ (a >> 29)) * UINT64_C(0x9e3779b97f4a7c15);
}

/* Assembly CUs describe one routine under several names, as sibling
 * subprograms with the same range (glibc's __clone3, __GI___clone3,
 * clone3). libdw stops at the first; gdb's block search takes the last,
 * and the text and JSON name frames as gdb does. */
static void last_alias(Dwarf_Die *die, Dwarf_Addr a) {
        Dwarf_Die sib = *die, best = *die;
        int guard = 0;

        if (dwarf_tag(die) != DW_TAG_subprogram)
                return;
        while (dwarf_siblingof(&sib, &sib) == 0 && guard++ < 64) {
                if (dwarf_tag(&sib) != DW_TAG_subprogram || dwarf_haspc(&sib, a) <= 0)
                        break;
                best = sib;
        }
        *die = best;
}

/* Bounds on the walks below over a file's DIE tree, which a hostile
 * file shapes: namespaces nest no deeper than this in real code, and
 * scopes inside a function no deeper than the inline chains gdb shows. */
#define NAMESPACE_DEPTH_MAX 16
#define NAMESPACES_MAX 4096
#define SCOPE_DEPTH_MAX 64

/* The innermost DIE under die whose range holds a, as dwarf_getscopes'
 * first match: die itself when no child holds it. */
static void innermost(Dwarf_Die *die, Dwarf_Addr a) {
        for (int depth = 0; depth < SCOPE_DEPTH_MAX; depth++) {
                Dwarf_Die c;
                bool found = false;

                if (dwarf_child(die, &c) != 0)
                        return;
                do {
                        int tag = dwarf_tag(&c);

                        if ((tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine ||
                             tag == DW_TAG_try_block || tag == DW_TAG_catch_block ||
                             tag == DW_TAG_with_stmt || tag == DW_TAG_entry_point) &&
                            dwarf_haspc(&c, a) > 0) {
                                *die = c;
                                found = true;
                        }
                } while (!found && dwarf_siblingof(&c, &c) == 0);
                if (!found)
                        return;
        }
}

/* A function defined inside a namespace, whose range holds a. */
static bool function_in_namespaces(Dwarf_Die *parent, Dwarf_Addr a, Dwarf_Die *ret, int depth, int *budget) {
        Dwarf_Die c;

        if (depth >= NAMESPACE_DEPTH_MAX || dwarf_child(parent, &c) != 0)
                return false;
        do {
                int tag = dwarf_tag(&c);

                if (depth > 0 && tag == DW_TAG_subprogram && dwarf_haspc(&c, a) > 0) {
                        *ret = c;
                        return true;
                }
                if (tag == DW_TAG_namespace && --*budget >= 0 &&
                    function_in_namespaces(&c, a, ret, depth + 1, budget))
                        return true;
        } while (*budget >= 0 && dwarf_siblingof(&c, &c) == 0);
        return false;
}

int symb_concrete_scopes(Dwarf_Die *cu, Dwarf_Addr a, Dwarf_Die **chain) {
        Dwarf_Die *scopes = NULL, inner;
        int n = dwarf_getscopes(cu, a, &scopes), budget = NAMESPACES_MAX;

        *chain = NULL;
        if (n > 0) {
                inner = scopes[0];
                free(scopes);
        } else {
                free(scopes);
                /* libdw prunes every DIE without the pc, namespaces
                 * included, so it never sees a function defined inside
                 * DW_TAG_namespace (clang puts one there when the namespace
                 * alone declares it: gtest's testing::internal::
                 * CmpHelperSTREQ). gdb's block tree has it. And libdw
                 * 0.188 cannot be rooted at the namespace instead: it
                 * looks for an inlined function's abstract origin under
                 * the root only. */
                if (n < 0 || !function_in_namespaces(cu, a, &inner, 0, &budget))
                        return n < 0 ? n : 0;
                innermost(&inner, a);
        }
        last_alias(&inner, a);
        /* dwarf_getscopes follows an inlined subroutine into its abstract
         * origin's parents; the concrete chain comes from the DIE tree. */
        n = dwarf_getscopes_die(&inner, chain);
        if (n <= 0) {
                free(*chain);
                *chain = NULL;
        }
        return n;
}

static void compute(struct symb_file *f, struct symb_scopes *e) {
        if (!symb_file_cu(f, e->addr, &e->cu))
                return;
        e->has_cu = true;
        e->n_chain = symb_concrete_scopes(&e->cu, e->addr, &e->chain);
        if (e->n_chain < 0)
                e->n_chain = 0;
}

static int grow(struct symb_file *f) {
        size_t cap = f->scopes_cap ? 2 * f->scopes_cap : 64;
        struct symb_scopes **t = calloc(cap, sizeof(*t));

        if (!t)
                return -1;
        for (size_t i = 0; i < f->scopes_cap; i++) {
                struct symb_scopes *e = f->scopes[i];
                size_t h;

                if (!e)
                        continue;
                for (h = hash(e->addr) & (cap - 1); t[h]; h = (h + 1) & (cap - 1))
                        ;
                t[h] = e;
        }
        free(f->scopes);
        f->scopes = t;
        f->scopes_cap = cap;
        return 0;
}

const struct symb_scopes *symb_file_scopes(struct symb_file *f, Dwarf_Addr a) {
        struct symb_scopes *e;
        size_t h;

        if (!symb_file_dwarf(f))
                return NULL;
        if (f->scopes_cap) {
                for (h = hash(a) & (f->scopes_cap - 1); (e = f->scopes[h]); h = (h + 1) & (f->scopes_cap - 1))
                        if (e->addr == a)
                                return e;
        }
        /* Keep the table at most half full. */
        if (2 * (f->n_scopes + 1) > f->scopes_cap && grow(f) < 0)
                return NULL;
        e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->addr = a;
        compute(f, e);
        for (h = hash(a) & (f->scopes_cap - 1); f->scopes[h]; h = (h + 1) & (f->scopes_cap - 1))
                ;
        f->scopes[h] = e;
        f->n_scopes++;
        return e;
}

void symb_file_scopes_clear(struct symb_file *f, bool only_if_big) {
        if (only_if_big && f->n_scopes < SCOPES_MAX)
                return;
        for (size_t i = 0; i < f->scopes_cap; i++)
                if (f->scopes[i]) {
                        free(f->scopes[i]->chain);
                        free(f->scopes[i]);
                }
        free(f->scopes);
        f->scopes = NULL;
        f->scopes_cap = 0;
        f->n_scopes = 0;
}
