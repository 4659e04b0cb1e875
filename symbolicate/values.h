/* SPDX-License-Identifier: MIT */
/* symbolicate/values.h: prints a value of a DWARF type exactly as gdb 13
 * prints it in `bt full` / `info locals` (C and C++, default print
 * settings, C locale): 42, 65 'A', true, RED, (A | B), 3.125, 0x401136
 * <func>, 0x4006f4 "hello", {1, 2, 3}, {x = 1, y = 2}, @0x7ffd1000: 42.
 * Bits that are not known print as gdb prints them, <optimized out>,
 * <unavailable>, <synthetic pointer>, plus our own <not implemented> and
 * <error: ...>. Memory behind pointers (strings, references) is read
 * through fc->read; what the dump lacks is <unavailable>, never guessed. */
#pragma once

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame-context.h"
#include "location.h"
#include "variables.h"

/* An object's bytes, as symb_location_read() gives them. */
struct symb_value {
        const uint8_t *bytes;
        const uint8_t *known;           /* per byte: bit mask of the known bits */
        const uint8_t *why;             /* per byte: enum symb_reason of the others */
        size_t size;
        bool has_addr;                  /* the object lives in memory at addr */
        uint64_t addr;
        const char *error;              /* text for SYMB_REASON_ERROR bits, or NULL */
        const struct symb_location *loc;  /* where it was read from: the targets of
                                             implicit pointers; NULL if none */
};

/* Formats v, an object of type (NULL: void), into a malloc'ed string in
 * *ret. deref_ref: a reference prints its referent too ("@0x...: 42"), as
 * gdb does for variables (not for members). When the whole value is one
 * marker, *ret is NULL and the reason is returned instead: gdb's
 * <optimized out> or <unavailable> for the whole variable. Returns
 * SYMB_REASON_NONE with *ret set, a reason with *ret NULL, or -ENOMEM.
 * Members named by lim->mask print "[masked]" instead of their value, and
 * *ret_masked (may be NULL) says whether one did. */
int symb_value_format(const struct symb_frame_context *fc, Dwarf_Die *type, const struct symb_value *v,
                      const struct symb_value_limits *lim, bool deref_ref, char **ret, bool *ret_masked);

/* The C spelling of a type, malloc'ed: "int", "const char *", "struct
 * point", "int [4]", "int (*)(int, char *)", "point_t", "Base &". NULL for
 * out of memory. type NULL is "void". */
char *symb_type_name(Dwarf_Die *type);

/* address-names.c: the symbol gdb names after a pointer to addr in m,
 * malloc'ed, and addr's offset from it; NULL if gdb names none. */
char *symb_address_name(Dwfl_Module *m, uint64_t addr, int64_t *offset);

/* The byte size of a type (typedefs and qualifiers followed), or -1. An
 * array of unspecified length has size 0, as in gdb. */
int64_t symb_type_size(Dwarf_Die *type);
/* Does type's chain of DW_AT_type references go on past any real type's
 * depth (an array that is its own element: a cycle in a user's DWARF)? */
bool symb_type_cyclic(Dwarf_Die *type);

/* A struct, class, union or enum only declared, with no definition in any
 * module: gdb prints such an object as <incomplete type>. */
bool symb_type_incomplete(const struct symb_frame_context *fc, Dwarf_Die *type);
/* The same, with the bounds of variable-length arrays read in frame fc,
 * and declared types' definitions found (scope-index.c). */
int64_t symb_type_size_in(const struct symb_frame_context *fc, Dwarf_Die *type);
