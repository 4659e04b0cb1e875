/* SPDX-License-Identifier: MIT */
/* symbolicate/scopes.c: the concrete scope chain at an address, cached per
 * file: the function from the file's index (scope-index.c), then the
 * blocks and inlined calls inside it that hold the address. The same
 * crash seen again hits the same addresses, so the context remembers each
 * chain. Entries stay valid for the whole of a symb_symbolicate() call:
 * the cache is only trimmed between calls. */
#include <dwarf.h>
#include <string.h>

#include "scope-index.h"
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

/* Bounds the walk below over a file's DIE tree, which a hostile file
 * shapes: scopes inside a function nest no deeper than the inline chains
 * gdb shows. */
#define SCOPE_DEPTH_MAX 64

/* The scopes from fn down to the innermost one holding a, innermost
 * first and fn last, into *chain: at each level the first child that
 * holds a, as dwarf_getscopes matches. */
static int chain_down(Dwarf_Die *fn, Dwarf_Addr a, Dwarf_Die **chain) {
        Dwarf_Die path[SCOPE_DEPTH_MAX + 1];
        int n = 1;

        path[0] = *fn;
        while (n <= SCOPE_DEPTH_MAX) {
                Dwarf_Die c;
                bool found = false;

                if (dwarf_child(&path[n - 1], &c) != 0)
                        break;
                do {
                        int tag = dwarf_tag(&c);

                        if ((tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine ||
                             tag == DW_TAG_try_block || tag == DW_TAG_catch_block ||
                             tag == DW_TAG_with_stmt || tag == DW_TAG_entry_point) &&
                            dwarf_haspc(&c, a) > 0) {
                                path[n++] = c;
                                found = true;
                        }
                } while (!found && dwarf_siblingof(&c, &c) == 0);
                if (!found)
                        break;
        }
        if (!(*chain = malloc((size_t) n * sizeof(**chain))))
                return -1;
        for (int i = 0; i < n; i++)
                (*chain)[i] = path[n - 1 - i];
        return n;
}

int symb_concrete_scopes(struct symb_file *f, Dwarf_Die *cu, Dwarf_Addr a, Dwarf_Die **chain) {
        Dwarf_Die *scopes = NULL, fn;
        int n;

        *chain = NULL;
        /* The function from the file's index (scope-index.c), then the
         * scopes inside it: dwarf_getscopes walks the CU from its top for
         * every address (clang emits no DW_AT_sibling, so that is every
         * DIE of the CU: most of gtest's symbolication time), and it
         * prunes namespaces, never finding a function defined inside one
         * (clang puts one there when the namespace alone declares it:
         * gtest's testing::internal::CmpHelperSTREQ; gdb finds it). */
        if (symb_scope_function(f, cu, a, &fn)) {
                last_alias(&fn, a);
                return chain_down(&fn, a, chain);
        }
        /* Not indexed (no index for the file, or a function nested where
         * the index does not look): libdw's search, and its concrete
         * chain, as dwarf_getscopes follows an inlined subroutine into its
         * abstract origin's parents. */
        n = dwarf_getscopes(cu, a, &scopes);
        if (n <= 0) {
                free(scopes);
                return n;
        }
        fn = scopes[0];
        free(scopes);
        last_alias(&fn, a);
        n = dwarf_getscopes_die(&fn, chain);
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
        e->n_chain = symb_concrete_scopes(f, &e->cu, e->addr, &e->chain);
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
