/* SPDX-License-Identifier: MIT */
/* symbolicate/scope-index.h: a file's named scopes, indexed once
 * (scope-index.c): the scope a DIE is declared in, a declared type's
 * definition, the function at an address. */
#pragma once

#include <elfutils/libdw.h>
#include <stdbool.h>

#include "frame-context.h"

struct symb_file;
struct symb_scope_index;

/* The scope die is declared in, as a prefix of its name: "ns::Outer::",
 * "" at a CU's top level. NULL when the index does not know die (a DIE
 * inside a function, or of an unregistered file): ask libdw then. */
const char *symb_scope_prefix(Dwarf_Die *die);

/* decl: a struct, class, union or enum with DW_AT_declaration. True with
 * *def its definition (same qualified name and kind), as gdb's
 * check_typedef finds it; false if none is found. */
bool symb_type_definition(const struct symb_frame_context *fc, Dwarf_Die *decl, Dwarf_Die *def);

/* The function of CU cu (a DIE of f) whose range holds DWARF address a,
 * at the CU's top level or inside namespaces and classes. */
bool symb_scope_function(struct symb_file *f, Dwarf_Die *cu, Dwarf_Addr a, Dwarf_Die *ret);

/* context.c: every file whose Dwarf is open is registered, so that a DIE
 * leads to its file's index. */
void symb_scope_register(struct symb_file *f);
void symb_scope_unregister(struct symb_file *f);
void symb_scope_index_free(struct symb_scope_index *ix);
