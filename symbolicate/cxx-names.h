/* SPDX-License-Identifier: MIT */
/* symbolicate/cxx-names.h: C++ names and types in gdb's canonical
 * spelling (cxx-names.c). Both return a malloc'ed string, NULL for out of
 * memory. */
#pragma once

/* A DW_AT_name, qualified or not: "B<0UL, const char *>" ->
 * "B<0ul, char const*>". */
char *symb_cxx_canonical_name(const char *name);

/* A whole type: "const char *" -> "char const*". */
char *symb_cxx_canonical_type(const char *type);
