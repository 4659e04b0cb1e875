/* SPDX-License-Identifier: MIT */
/* symbolicate/cxx-names.h: C++ names and types in gdb's canonical
 * spelling (cxx-names.c; the canonical forms are malloc'ed strings, NULL
 * for out of memory), and what gdb's C++ name parser takes
 * (cxx-parser.c). */
#pragma once

#include <stddef.h>

/* A DW_AT_name, qualified or not: "B<0UL, const char *>" ->
 * "B<0ul, char const*>". */
char *symb_cxx_canonical_name(const char *name);

/* A whole type: "const char *" -> "char const*". */
char *symb_cxx_canonical_type(const char *type);

/* A demangled function name as __cxa_demangle prints it: the length of
 * the return types before the name, which gdb's demangler leaves out
 * (DMGL_RET_DROP, dwarf2_physname in gdb/dwarf2/read.c): 4 for
 * "int f<int>(int)", 0 for "f(int)" and for anything not of the form
 * "[types ]name(params)[ qualifiers]". */
size_t symb_cxx_return_type_length(const char *demangled);

/* What gdb 13's C++ name parser makes of a name (cp-name-parser.y, as
 * cp_remove_params in gdb/cp-support.c uses it): a function, whose name
 * before its parameter list is *name_len bytes long; something else it
 * parses (a local name "f()::L::g()", a type); or nothing (SYMB_CXX_
 * UNPARSED, also for out of memory). */
enum symb_cxx_form {
        SYMB_CXX_UNPARSED,
        SYMB_CXX_FUNCTION,
        SYMB_CXX_OTHER,
};
enum symb_cxx_form symb_cxx_parse_name(const char *name, size_t *name_len);
