/* SPDX-License-Identifier: MIT */
/* symbolicate/variables.h: parameters and locals of one frame, evaluated
 * from their DWARF locations and printed as gdb prints them. */
#pragma once

#include <stddef.h>

#include "frame-context.h"
#include "symbolicate.h"

struct symb_budget;

struct symb_value_limits {
        unsigned max_depth;             /* struct/array nesting printed */
        unsigned max_elements;          /* array elements and string bytes */
        bool raw;                       /* library types as their structures (printers.h) */
        const char *const *mask;        /* variables and members printed "[masked]"; NULL: none */
        struct symb_budget *budget;     /* what the report may still spend (budget.h); NULL:
                                           no bound */
};

/* Appends the parameters (first, in declaration order) and the locals of
 * one virtual frame to *vars / *n_vars (grown with realloc).
 *
 * scopes: the DIEs that belong to this virtual frame, innermost first:
 * the lexical blocks that contain the pc, then last the function-like DIE
 * (DW_TAG_subprogram or DW_TAG_inlined_subroutine). For an inlined frame
 * the registers and memory are those of the physical frame in fc.
 * Never fails for one bad variable: that variable gets a reason. Stops
 * when lim->budget says so (its frame_cut then says why). Returns 0 or
 * -ENOMEM. */
int symb_collect_vars(const struct symb_frame_context *fc, Dwarf_Die *scopes, size_t n_scopes,
                      const struct symb_value_limits *lim, struct symb_var **vars, size_t *n_vars);

void symb_var_clear(struct symb_var *v);

/* block-order.c: vars[0..n), the locals of lexical block `block` in DIE
 * order, put in the order gdb lists them (its hashed block dictionary);
 * nsyms: all the symbols gdb makes in that block. 0 or -ENOMEM. */
int symb_block_order(struct symb_var *vars, size_t n, size_t nsyms, Dwarf_Die *block);

/* block-order.c: the bucket of gdb's hashed block dictionary of nsyms
 * symbols that a local named name falls in (its language C or C++). */
size_t symb_block_bucket(const char *name, size_t nsyms, bool cxx);

/* block-order.c: the symbols of block's children that gdb makes but bt
 * full does not print (named types, labels with an address, extern
 * declarations). */
size_t symb_block_silent_symbols(Dwarf_Die *block);
