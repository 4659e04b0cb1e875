/* SPDX-License-Identifier: MIT */
/* symbolicate/printers.h: standard library types printed as gdb's
 * pretty printers print them (printers-libstdcxx.c, printers-libcxx.c), and what those
 * printers need from the value printer (values.c). */
#pragma once

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

#include "location.h"
#include "values.h"

struct printer;

/* printers-libstdcxx.c: prints the object at byte off of v, of type t (a
 * struct, class or union, typedefs peeled, complete), as the libstdc++
 * printer registered for its name does (a libc++ type, std::__1::, as
 * that printer prints its libstdc++ namesake: printers-libcxx.c). False, with nothing printed,
 * when no printer claims t or what it must read first is not known (the
 * caller prints the raw structure, as gdb does without printers). */
bool symb_print_library_type(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off, int recurse);

/* ---- values.c's services to the printers ---- */

void pv_puts(struct printer *p, const char *s);
void pv_printf(struct printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* gdb's `print elements` and `print max-depth`. */
unsigned pv_max_elements(const struct printer *p);
unsigned pv_max_depth(const struct printer *p);
/* Out of memory or over the value's budget: stop printing. */
bool pv_failed(const struct printer *p);
/* Where the text is now, and back to there (a printer that finds it
 * cannot go on leaves no trace before the raw structure is printed). */
size_t pv_mark(const struct printer *p);
void pv_rewind(struct printer *p, size_t mark);
/* The frame the value belongs to (memory, symbols). */
const struct symb_frame_context *pv_frame(const struct printer *p);

/* Prints the object at byte off of v, of type type, through the printers
 * again (a vector's elements, a map's keys): gdb's common_val_print. */
void pv_value(struct printer *p, Dwarf_Die *type, const struct symb_value *v, uint64_t off, int recurse);
/* The same for an object at addr in the dump's memory. Returns the reason
 * when none of its bytes is known (the marker is printed then), else
 * SYMB_REASON_NONE. */
enum symb_reason pv_value_at(struct printer *p, Dwarf_Die *type, uint64_t addr, int recurse);
/* The marker gdb prints for reason r: <unavailable>, <optimized out>. */
void pv_marker(struct printer *p, enum symb_reason r);
/* A lazy string: length characters of the type char_type at addr, as
 * val_print_string prints them with a length (quoted, repeats, print
 * elements; <unavailable> where the dump has none). */
void pv_string_at(struct printer *p, uint64_t addr, uint64_t length, Dwarf_Die *char_type);

/* Reads n bytes at addr, true only if every one is in the dump. */
bool pv_read(const struct printer *p, uint64_t addr, void *buf, size_t n);
/* size bytes (1-8) at byte off of v, little-endian, true only if every
 * bit is known. */
bool pv_get(const struct symb_value *v, uint64_t off, unsigned size, uint64_t *ret);

/* ---- types, for the printers (values.c) ---- */

/* A DIE's DW_AT_type. */
bool pv_die_type(Dwarf_Die *die, Dwarf_Die *ret);
/* Typedefs and qualifiers followed (check_typedef); false for void. */
bool pv_peel(Dwarf_Die *type, Dwarf_Die *ret);
/* The byte size of type, or -1. */
int64_t pv_type_size(const struct printer *p, Dwarf_Die *type);
/* The alignment the compiler gives type on x86-64 (DW_AT_alignment, else
 * the largest of its scalars), which places a node's value after its
 * links. */
uint64_t pv_type_align(Dwarf_Die *type);
/* Member `name` of struct t or of one of its bases, searched as gdb's
 * value subscript does (own members, then each base in turn): its type
 * and byte offset from t's start. */
bool pv_member(const struct printer *p, Dwarf_Die *t, const char *name, Dwarf_Die *type, uint64_t *off);
/* Template argument n of t, counting type and value parameters (packs
 * expanded) as gdb's Type.template_argument does: a type parameter's
 * type in *type (NULL-able), a value parameter's constant in *value. */
enum pv_targ { PV_TARG_NONE, PV_TARG_TYPE, PV_TARG_VALUE };
enum pv_targ pv_template_arg(Dwarf_Die *t, unsigned n, Dwarf_Die *type, int64_t *value);
/* The fields of struct t in DWARF order, bases first as gdb lists them
 * (inheritance, members, static members); the kth in *ret. */
bool pv_field(Dwarf_Die *t, unsigned k, Dwarf_Die *ret);
size_t pv_n_fields(Dwarf_Die *t);
/* Is field f a base class (DW_TAG_inheritance)? Its type and offset. */
bool pv_base(Dwarf_Die *f, Dwarf_Die *type, uint64_t *off);
