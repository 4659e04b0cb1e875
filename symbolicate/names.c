/* SPDX-License-Identifier: MIT */
/* symbolicate/names.c: a function's name as gdb prints it in a backtrace:
 * the DWARF name, qualified by its namespaces and classes in C++
 * ("ns::Shape::area"), without parameter types, so that reports group
 * and read the same whether or not a symbol was mangled; in C the linkage
 * name when DWARF has one, as gdb. */
#include <dwarf.h>
#include <stdio.h>
#include <string.h>

#include "scope-index.h"
#include "symb-internal.h"

/* Declarations nest deeper than this only in machine-made code. */
#define MAX_ORIGIN_HOPS 8

bool symb_die_is_cxx(Dwarf_Die *die) {
        Dwarf_Die cu;

        if (!dwarf_diecu(die, &cu, NULL, NULL))
                return false;
        switch (dwarf_srclang(&cu)) {
        case DW_LANG_C_plus_plus:
        case DW_LANG_C_plus_plus_03:
        case DW_LANG_C_plus_plus_11:
        case DW_LANG_C_plus_plus_14:
                return true;
        default:
                return false;
        }
}

/* "ns::f(int) const" -> "ns::f": cuts the last balanced (...) group and
 * what follows it; "operator()(int)" keeps "operator()". */
static void strip_params(char *s) {
        size_t n = strlen(s);
        int depth = 0;

        while (n > 0 && s[n - 1] != ')')
                n--;
        for (size_t i = n; i > 0; i--) {
                if (s[i - 1] == ')')
                        depth++;
                else if (s[i - 1] == '(' && --depth == 0) {
                        if (i - 1 > 0)
                                s[i - 1] = 0;
                        return;
                }
        }
}

static char *from_linkage_name(Dwarf_Die *die) {
        Dwarf_Attribute a;
        const char *l = NULL;
        char *d;

        if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
            dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
                l = dwarf_formstring(&a);
        if (!l)
                return NULL;
        d = symb_demangle(l);
        if (!d)
                return strdup(l);
        strip_params(d);
        return d;
}

static char *join2(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        char *r = malloc(la + lb + 1);

        if (r) {
                memcpy(r, a, la);
                memcpy(r + la, b, lb + 1);
        }
        return r;
}

char *symb_die_function_name(Dwarf_Die *die) {
        Dwarf_Die cur = *die, next, *chain = NULL;
        Dwarf_Attribute a;
        const char *name, *prefix;
        char *out = NULL;
        size_t len = 0;
        FILE *f;
        int n;

        /* The concrete DIE of an inlined or out-of-line function points to
         * its abstract origin or in-class declaration, which has the name
         * and sits inside the namespaces and classes. */
        for (int i = 0; i < MAX_ORIGIN_HOPS; i++) {
                if (!(dwarf_attr(&cur, DW_AT_abstract_origin, &a) || dwarf_attr(&cur, DW_AT_specification, &a)) ||
                    !dwarf_formref_die(&a, &next))
                        break;
                cur = next;
        }
        name = dwarf_diename(&cur);
        if (!name)
                return from_linkage_name(die);
        if (!symb_die_is_cxx(&cur)) {
                /* gdb keeps C symbols in their linkage form
                 * (store_sym_names_in_linkage_form_p): glibc's read is
                 * "__GI___libc_read", from its asm name. */
                const char *l = dwarf_formstring(dwarf_attr(&cur, DW_AT_linkage_name, &a));

                return strdup(l ? l : name);
        }

        /* gdb's frame name is its symbol's print name less the
         * parameters (cp_remove_params), but its C++ name parser cannot
         * parse an ABI tag: a function whose demangled name has one
         * ("tagged[abi:cxx11](int)", any function returning std::string)
         * keeps the whole name, parameters included. */
        {
                char *d = NULL;
                const char *l = NULL;

                if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
                    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
                        l = dwarf_formstring(&a);
                if (l && strstr(l, "B5cxx11") && (d = symb_demangle(l)) && strstr(d, "[abi:"))
                        return d;
                free(d);
        }
        /* The scope from the file's index; libdw's walk from the CU's top
         * when the index does not know the DIE. */
        if ((prefix = symb_scope_prefix(&cur)))
                return join2(prefix, name);
        n = dwarf_getscopes_die(&cur, &chain);
        f = open_memstream(&out, &len);
        if (!f) {
                free(chain);
                return NULL;
        }
        for (int i = n - 1; i >= 1; i--) {
                int tag = dwarf_tag(&chain[i]);
                const char *pn = dwarf_diename(&chain[i]);

                if (tag == DW_TAG_namespace)
                        fprintf(f, "%s::", pn ? pn : "(anonymous namespace)");
                else if ((tag == DW_TAG_class_type || tag == DW_TAG_structure_type || tag == DW_TAG_union_type) && pn)
                        fprintf(f, "%s::", pn);
        }
        fputs(name, f);
        free(chain);
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}
