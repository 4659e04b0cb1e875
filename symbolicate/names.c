/* SPDX-License-Identifier: MIT */
/* symbolicate/names.c: a function's name as gdb prints it: its symbol's
 * print name (in C the linkage name when DWARF has one; in C++ the
 * demangled linkage name, or the name gdb computes from the DWARF
 * name, its scopes and its parameter types), and in a backtrace that name
 * without its parameters where gdb's C++ name parser can take them off
 * ("ns::Shape::area"). */
#include <dwarf.h>
#include <stdio.h>
#include <string.h>

#include "cxx-names.h"
#include "scope-index.h"
#include "symb-internal.h"
#include "values.h"

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

static char *join2(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        char *r = malloc(la + lb + 1);

        if (r) {
                memcpy(r, a, la);
                memcpy(r + la, b, lb + 1);
        }
        return r;
}

/* A scope of gdb's determine_prefix (gdb/dwarf2/read.c) that names what is
 * inside it no further out: the members of a function's body and of an
 * unnamed class have no prefix ("Local::run" of a class local to a
 * function, "operator()" of GCC's lambda in one). */
static bool prefix_stops(Dwarf_Die *scope) {
        switch (dwarf_tag(scope)) {
        case DW_TAG_subprogram:
        case DW_TAG_inlined_subroutine:
                return true;
        case DW_TAG_class_type:
        case DW_TAG_structure_type:
        case DW_TAG_union_type:
                return !dwarf_diename(scope);
        default:
                return false;
        }
}

/* The qualified name of cur, which has DW_AT_name name: gdb's
 * dwarf2_full_name, its scopes' names before it ("ns::Shape::area"). */
static char *qualified_name(Dwarf_Die *cur, const char *name) {
        Dwarf_Die *chain = NULL;
        const char *prefix;
        char *out = NULL;
        size_t len = 0;
        FILE *f;
        int n, from;

        /* The scope from the file's index; libdw's walk from the CU's top
         * when the index does not know the DIE. */
        if ((prefix = symb_scope_prefix(cur)))
                return join2(prefix, name);
        n = dwarf_getscopes_die(cur, &chain);
        f = open_memstream(&out, &len);
        if (!f) {
                free(chain);
                return NULL;
        }
        /* chain[0] is cur, chain[n - 1] the CU: from the innermost scope
         * that stops the prefix, or the CU, inwards. */
        for (from = 1; from < n && !prefix_stops(&chain[from]); from++)
                ;
        for (int i = from - 1; i >= 1; i--) {
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

/* The DIE with the function's name: the concrete DIE of an inlined or
 * out-of-line function points to its abstract origin or in-class
 * declaration, which has the name and sits inside the namespaces and
 * classes. */
static Dwarf_Die named_origin(Dwarf_Die *die) {
        Dwarf_Die cur = *die, next;
        Dwarf_Attribute a;

        for (int i = 0; i < MAX_ORIGIN_HOPS; i++) {
                if (!(dwarf_attr(&cur, DW_AT_abstract_origin, &a) || dwarf_attr(&cur, DW_AT_specification, &a)) ||
                    !dwarf_formref_die(&a, &next))
                        break;
                cur = next;
        }
        return cur;
}

static const char *linkage_name(Dwarf_Die *die) {
        Dwarf_Attribute a;

        if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) || dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
                return dwarf_formstring(&a);
        return NULL;
}

/* A demangled linkage name as gdb's demangler prints it for a symbol:
 * DMGL_PARAMS | DMGL_ANSI | DMGL_RET_DROP (dwarf2_physname), so no return
 * types. Special names ("_ZT...": thunks, vtables; "_ZG...") have none
 * to drop. The name itself when it does not demangle, as gdb. */
static char *demangled_print_name(const char *linkage) {
        char *d = symb_demangle(linkage);
        size_t r;

        if (!d)
                return strdup(linkage);
        if (linkage[2] != 'T' && linkage[2] != 'G' && (r = symb_cxx_return_type_length(d)) > 0)
                memmove(d, d + r, strlen(d + r) + 1);
        return d;
}

/* A type without its own const and volatile (make_cv_type (0, 0, ...)). */
static bool unqualified(Dwarf_Die *type, Dwarf_Die *ret) {
        Dwarf_Attribute a;

        *ret = *type;
        for (int i = 0; i < MAX_ORIGIN_HOPS; i++) {
                int tag = dwarf_tag(ret);

                if (tag != DW_TAG_const_type && tag != DW_TAG_volatile_type)
                        return true;
                if (!dwarf_formref_die(dwarf_attr_integrate(ret, DW_AT_type, &a), ret))
                        return false;   /* const void */
        }
        return true;
}

/* "this" of a const method: an artificial pointer to a const type. */
static bool const_this(Dwarf_Die *param) {
        Dwarf_Attribute a;
        Dwarf_Die t, pointee;
        bool art = false;

        if (dwarf_formflag(dwarf_attr_integrate(param, DW_AT_artificial, &a), &art) != 0 || !art ||
            !dwarf_formref_die(dwarf_attr_integrate(param, DW_AT_type, &a), &t) || !unqualified(&t, &t) ||
            dwarf_tag(&t) != DW_TAG_pointer_type ||
            !dwarf_formref_die(dwarf_attr_integrate(&t, DW_AT_type, &a), &pointee))
                return false;
        for (int i = 0; i < MAX_ORIGIN_HOPS; i++) {
                int tag = dwarf_tag(&pointee);

                if (tag == DW_TAG_const_type)
                        return true;
                if (tag != DW_TAG_volatile_type ||
                    !dwarf_formref_die(dwarf_attr_integrate(&pointee, DW_AT_type, &a), &pointee))
                        return false;
        }
        return false;
}

/* The parameter list gdb computes for a C++ function without a linkage
 * name (dwarf2_compute_name, c_type_print_args with linkage_name 1): the
 * artificial "this" left out, each type without its top-level const and
 * volatile, "void" for none, " const" after a const method's. canonical:
 * each type as gdb's canonical names spell it ("char const*"), else as
 * its type printer does ("const char *"). */
static void computed_params(FILE *f, Dwarf_Die *fn, bool canonical) {
        Dwarf_Die child, origin;
        Dwarf_Attribute a;
        bool first = true, is_const = false;

        /* The parameters are on the concrete DIE, or on its declaration. */
        if (dwarf_child(fn, &child) != 0 && dwarf_formref_die(dwarf_attr(fn, DW_AT_specification, &a), &origin))
                fn = &origin;
        fputc('(', f);
        if (dwarf_child(fn, &child) == 0)
                do {
                        Dwarf_Die pt;
                        bool art = false;
                        char *t, *c;
                        int tag = dwarf_tag(&child);

                        if (tag == DW_TAG_unspecified_parameters) {
                                if (!first)
                                        fputs(", ...", f);
                                break;
                        }
                        if (tag != DW_TAG_formal_parameter)
                                continue;
                        if (dwarf_formflag(dwarf_attr_integrate(&child, DW_AT_artificial, &a), &art) == 0 && art) {
                                if (first)
                                        is_const = const_this(&child);
                                continue;
                        }
                        t = symb_type_name(dwarf_formref_die(dwarf_attr_integrate(&child, DW_AT_type, &a), &pt) &&
                                                           unqualified(&pt, &pt)
                                                   ? &pt : NULL);
                        c = canonical && t ? symb_cxx_canonical_type(t) : NULL;
                        fputs(first ? "" : ", ", f);
                        fputs(c ? c : t ? t : "?", f);
                        free(c);
                        free(t);
                        first = false;
                } while (dwarf_siblingof(&child, &child) == 0);
        /* "(void)", which the canonical form prints "()" */
        fputs(first && !canonical ? "void)" : ")", f);
        if (is_const)
                fputs(" const", f);
}

/* gdb's computed print name (dwarf2_compute_name with physname): the
 * qualified name, a subprogram's parameters, canonicalized when gdb's C++
 * name parser takes the whole (dwarf2_canonicalize_name). An inlined
 * subroutine's has no parameters. */
static char *computed_print_name(Dwarf_Die *die, Dwarf_Die *cur, const char *name) {
        char *base = qualified_name(cur, name), *raw = NULL, *out = NULL;
        size_t len = 0, n;
        bool subprogram = dwarf_tag(die) == DW_TAG_subprogram;
        FILE *f;

        if (!base)
                return NULL;
        if (subprogram && (f = open_memstream(&raw, &len))) {
                fputs(base, f);
                computed_params(f, die, false);
                if (fclose(f) != 0) {
                        free(raw);
                        raw = NULL;
                }
        }
        if (subprogram && !raw) {
                free(base);
                return NULL;
        }
        if (symb_cxx_parse_name(raw ? raw : base, &n) == SYMB_CXX_UNPARSED) {
                if (raw) {
                        free(base);
                        return raw;
                }
                return base;
        }
        free(raw);
        raw = symb_cxx_canonical_name(base);
        free(base);
        if (!raw || !subprogram)
                return raw;
        if ((f = open_memstream(&out, &len))) {
                fputs(raw, f);
                computed_params(f, die, true);
                if (fclose(f) != 0) {
                        free(out);
                        out = NULL;
                }
        }
        free(raw);
        return out;
}

char *symb_die_print_name(Dwarf_Die *die) {
        Dwarf_Die cur = named_origin(die);
        const char *name = dwarf_diename(&cur), *l = linkage_name(die);

        if (!symb_die_is_cxx(&cur)) {
                /* gdb keeps C symbols in their linkage form
                 * (store_sym_names_in_linkage_form_p): glibc's read is
                 * "__GI___libc_read", from its asm name. */
                l = l ? l : name;
                return l ? strdup(l) : NULL;
        }
        if (l)
                return demangled_print_name(l);
        return name ? computed_print_name(die, &cur, name) : NULL;
}

/* gdb's frame name is its symbol's print name less the parameters
 * (find_frame_funname in gdb/stack.c, cp_remove_params in
 * gdb/cp-support.c), unless its C++ name parser cannot take them off:
 * then the whole print name ("std::function<int (int)>::operator()(int)
 * const", "tagged[abi:cxx11](int)"; cxx-parser.c says which). */
char *symb_die_function_name(Dwarf_Die *die) {
        char *p = symb_die_print_name(die);
        Dwarf_Die cur = named_origin(die);
        size_t n;

        if (p && symb_die_is_cxx(&cur) && symb_cxx_parse_name(p, &n) == SYMB_CXX_FUNCTION)
                p[n] = '\0';
        return p;
}
