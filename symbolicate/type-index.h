/* SPDX-License-Identifier: MIT */
/* symbolicate/type-index.h: a declared type's definition, from any CU of
 * the frame's module, then of the other modules (type-index.c). */
#pragma once

#include <elfutils/libdw.h>
#include <stdbool.h>

#include "frame-context.h"

struct symb_type_index;

/* decl: a struct, class, union or enum with DW_AT_declaration. True with
 * *def its definition (same qualified name and kind), as gdb's
 * check_typedef finds it; false if none is found. */
bool symb_type_definition(const struct symb_frame_context *fc, Dwarf_Die *decl, Dwarf_Die *def);

void symb_type_index_free(struct symb_type_index *ix);
