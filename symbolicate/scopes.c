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

static void compute(struct symb_file *f, struct symb_scopes *e) {
        Dwarf_Die *scopes = NULL;
        int n;

        if (!symb_file_cu(f, e->addr, &e->cu))
                return;
        e->has_cu = true;
        n = dwarf_getscopes(&e->cu, e->addr, &scopes);
        if (n > 0) {
                last_alias(&scopes[0], e->addr);
                /* dwarf_getscopes follows an inlined subroutine into its
                 * abstract origin's parents; the concrete chain comes
                 * from the DIE tree. */
                e->n_chain = dwarf_getscopes_die(&scopes[0], &e->chain);
        }
        free(scopes);
        if (e->n_chain <= 0) {
                free(e->chain);
                e->chain = NULL;
                e->n_chain = 0;
        }
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
