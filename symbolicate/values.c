/* SPDX-License-Identifier: MIT */
/* symbolicate/values.c: see values.h.
 *
 * Each rule here mirrors a function of gdb 13's printer, named in the
 * comment, with its default settings: print elements 200, repeats 10,
 * max-depth 20, symbol on, address on, union on, static-members on,
 * null-stop off, a C host locale (bytes >= 0x80 print as octal escapes),
 * and deref_ref on for variables. The printer never reads memory it was
 * not given: pointers' targets come through fc->read and missing bytes
 * print <unavailable>. */
#include <dwarf.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cxx-names.h"
#include "printers.h"
#include "scope-index.h"
#include "values.h"

/* gdb's defaults: `set print repeats` and `set print max-depth`. */
#define REPEAT_THRESHOLD 10
#define GDB_MAX_DEPTH 20
/* gdb's max-value-size: larger objects are an error there too. */
#define MAX_VALUE_SIZE 65536
/* One value's text: containers of containers that share their elements
 * (a hostile dump's vectors all pointing at one buffer) would otherwise
 * grow it by 200 times a level. */
#define MAX_VALUE_TEXT (1024 * 1024)
/* Type names and chains of typedefs in hostile DWARF. */
#define MAX_TYPE_CHAIN 64

/* ---- a growing string ---- */

struct sb {
        char *s;
        size_t len, cap;
        bool oom;
};

static void sb_putn(struct sb *b, const char *s, size_t n) {
        if (b->oom)
                return;
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 64;
                char *t;

                while (cap < b->len + n + 1)
                        cap *= 2;
                t = realloc(b->s, cap);
                if (!t) {
                        b->oom = true;
                        return;
                }
                b->s = t;
                b->cap = cap;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

static void sb_puts(struct sb *b, const char *s) {
        sb_putn(b, s, strlen(s));
}

static void sb_putc(struct sb *b, char c) {
        sb_putn(b, &c, 1);
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...) {
        char buf[128];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n < sizeof buf) {
                sb_putn(b, buf, (size_t) n);
                return;
        }
        char *big = malloc((size_t) n + 1);

        if (!big) {
                b->oom = true;
                return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t) n + 1, fmt, ap);
        va_end(ap);
        sb_putn(b, big, (size_t) n);
        free(big);
}

/* ---- types ---- */

static bool die_type(Dwarf_Die *die, Dwarf_Die *ret) {
        Dwarf_Attribute a;

        return dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), ret) != NULL;
}

static bool is_qualifier(int tag) {
        return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
               tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type || tag == DW_TAG_immutable_type;
}

/* Follows typedefs and qualifiers: gdb's check_typedef. False for void. */
static bool peel(Dwarf_Die *type, Dwarf_Die *ret) {
        Dwarf_Die t = *type;

        for (int i = 0; i < MAX_TYPE_CHAIN; i++) {
                if (!is_qualifier(dwarf_tag(&t))) {
                        *ret = t;
                        return true;
                }
                if (!die_type(&t, &t))
                        return false;
        }
        return false;
}

/* A declared struct, class, union or enum replaced by its definition when
 * the module (or another) has one: gdb's check_typedef does this for a
 * stub type. False when *t stays a declaration. */
static bool complete(const struct symb_frame_context *fc, Dwarf_Die *t) {
        switch (dwarf_tag(t)) {
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type:
        case DW_TAG_enumeration_type:
                if (!dwarf_hasattr(t, DW_AT_declaration))
                        return true;
                return symb_type_definition(fc, t, t);
        default:
                return true;
        }
}

static Dwarf_Word attr_u(Dwarf_Die *die, unsigned name, Dwarf_Word dflt) {
        Dwarf_Attribute a;
        Dwarf_Word v;

        if (!dwarf_attr_integrate(die, name, &a) || dwarf_formudata(&a, &v) != 0)
                return dflt;
        return v;
}

static int encoding(Dwarf_Die *base) {
        return (int) attr_u(base, DW_AT_encoding, 0);
}

static bool subrange_count(const struct symb_frame_context *fc, Dwarf_Die *sub, uint64_t *ret);

static int64_t type_size(const struct symb_frame_context *fc, Dwarf_Die *type);

/* depth: arrays of arrays so far. A user's DWARF may make an array its
 * own element (a cycle libdw's dwarf_aggregate_size stops at, and this
 * recursion must too). */
static int64_t type_size_in(const struct symb_frame_context *fc, Dwarf_Die *type, int depth) {
        Dwarf_Die t, c, elem;
        Dwarf_Word size;
        int64_t es;
        uint64_t total = 1;
        bool any = false;

        if (!type || depth > MAX_TYPE_CHAIN || !peel(type, &t))
                return -1;
        if (dwarf_tag(&t) != DW_TAG_array_type || dwarf_aggregate_size(&t, &size) == 0)
                return type_size(fc, type);
        /* A VLA (bounds in variables of the frame) or an array of
         * unspecified length, which gdb gives length 0. */
        if (!die_type(&t, &elem) || (es = type_size_in(fc, &elem, depth + 1)) < 0)
                return -1;
        if (dwarf_child(&t, &c) == 0)
                do {
                        uint64_t n;

                        if (dwarf_tag(&c) != DW_TAG_subrange_type)
                                continue;
                        any = true;
                        if (!dwarf_hasattr_integrate(&c, DW_AT_count) && !dwarf_hasattr_integrate(&c, DW_AT_upper_bound))
                                return 0;
                        if (!subrange_count(fc, &c, &n))
                                return -1;
                        if (n != 0 && total > (UINT64_C(1) << 40) / n)
                                return -1;
                        total *= n;
                } while (dwarf_siblingof(&c, &c) == 0);
        if (!any || total > (UINT64_C(1) << 40) / (es ? (uint64_t) es : 1))
                return -1;
        return (int64_t) (total * (uint64_t) es);
}

int64_t symb_type_size_in(const struct symb_frame_context *fc, Dwarf_Die *type) {
        return type_size_in(fc, type, 0);
}

bool symb_type_cyclic(Dwarf_Die *type) {
        Dwarf_Die t = *type;

        for (int i = 0; i < MAX_TYPE_CHAIN; i++)
                if (!die_type(&t, &t))
                        return false;
        return true;
}

static int64_t type_size(const struct symb_frame_context *fc, Dwarf_Die *type) {
        Dwarf_Die t;
        Dwarf_Word size;

        if (!type || !peel(type, &t) || !complete(fc, &t))
                return -1;
        if (dwarf_aggregate_size(&t, &size) == 0)
                return (int64_t) size;
        switch (dwarf_tag(&t)) {
        case DW_TAG_array_type: {
                /* Unspecified length (flexible members): gdb says 0. */
                Dwarf_Die c;

                if (dwarf_child(&t, &c) == 0)
                        do {
                                if (dwarf_tag(&c) == DW_TAG_subrange_type &&
                                    !dwarf_hasattr_integrate(&c, DW_AT_count) &&
                                    !dwarf_hasattr_integrate(&c, DW_AT_upper_bound))
                                        return 0;
                        } while (dwarf_siblingof(&c, &c) == 0);
                return -1;
        }
        case DW_TAG_ptr_to_member_type: {
                /* A pointer to a method is {ptr, adj} (Itanium ABI). */
                Dwarf_Die target;

                if (dwarf_hasattr(&t, DW_AT_byte_size))
                        return (int64_t) attr_u(&t, DW_AT_byte_size, 8);
                return die_type(&t, &target) && peel(&target, &target) &&
                       dwarf_tag(&target) == DW_TAG_subroutine_type ? 16 : 8;
        }
        case DW_TAG_pointer_type:
        case DW_TAG_reference_type:
        case DW_TAG_rvalue_reference_type:
                return 8;
        default:
                return -1;
        }
}

int64_t symb_type_size(Dwarf_Die *type) {
        return type_size(NULL, type);
}

bool symb_type_incomplete(const struct symb_frame_context *fc, Dwarf_Die *type) {
        Dwarf_Die t;

        return type && peel(type, &t) && !complete(fc, &t);
}

static int cu_language(Dwarf_Die *die) {
        Dwarf_Die cu;

        if (!dwarf_diecu(die, &cu, NULL, NULL))
                return 0;
        return (int) attr_u(&cu, DW_AT_language, 0);
}

static bool is_cplus(Dwarf_Die *die) {
        switch (cu_language(die)) {
        case DW_LANG_C_plus_plus:
        case DW_LANG_C_plus_plus_03:
        case DW_LANG_C_plus_plus_11:
        case DW_LANG_C_plus_plus_14:
                return true;
        default:
                return false;
        }
}

/* ---- type names (gdb's c_print_type) ---- */

static void type_name_rec(struct sb *b, Dwarf_Die *type, const char *inner, int depth);

/* A C++ name component as gdb spells it (cxx-names.c: clang's "0UL" and
 * "const char *" in template arguments are gdb's "0ul", "char const*"). */
static void cxx_component(struct sb *b, const char *name) {
        char *c;

        if (!strchr(name, '<')) {
                sb_puts(b, name);
                return;
        }
        if (!(c = symb_cxx_canonical_name(name))) {
                b->oom = true;
                return;
        }
        sb_puts(b, c);
        free(c);
}

static void qualified_name(struct sb *b, Dwarf_Die *die) {
        /* C++: the enclosing namespaces and classes, as gdb prints "ns::T". */
        Dwarf_Die *scopes = NULL;
        const char *name = dwarf_diename(die), *prefix;
        int n;

        if (!is_cplus(die)) {
                sb_puts(b, name ? name : "");
                return;
        }
        if ((prefix = symb_scope_prefix(die))) {
                cxx_component(b, prefix);
                cxx_component(b, name ? name : "");
                return;
        }
        if ((n = dwarf_getscopes_die(die, &scopes)) > 1) {
                for (int i = n - 1; i >= 1; i--) {
                        int tag = dwarf_tag(&scopes[i]);
                        const char *sn = dwarf_diename(&scopes[i]);

                        if ((tag == DW_TAG_namespace || tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
                             tag == DW_TAG_union_type) ) {
                                cxx_component(b, sn ? sn : "(anonymous namespace)");
                                sb_puts(b, "::");
                        }
                }
        }
        free(scopes);
        cxx_component(b, name ? name : "");
}

static void params_list(struct sb *b, Dwarf_Die *fn) {
        Dwarf_Die child;
        bool first = true, varargs = false;

        sb_putc(b, '(');
        if (dwarf_child(fn, &child) == 0)
                do {
                        int tag = dwarf_tag(&child);
                        Dwarf_Die pt;

                        if (tag == DW_TAG_unspecified_parameters) {
                                varargs = true;
                                continue;
                        }
                        if (tag != DW_TAG_formal_parameter)
                                continue;
                        if (!first)
                                sb_puts(b, ", ");
                        if (!die_type(&child, &pt))
                                sb_puts(b, "void");
                        else if (first && is_cplus(fn) && dwarf_hasattr_integrate(&child, DW_AT_artificial) &&
                                 dwarf_tag(&pt) == DW_TAG_pointer_type)
                                /* "this", const in gdb's method types
                                 * (read_subroutine_type): "K * const" */
                                type_name_rec(b, &pt, " const", 1);
                        else
                                type_name_rec(b, &pt, "", 1);
                        first = false;
                } while (dwarf_siblingof(&child, &child) == 0);
        if (varargs)
                sb_puts(b, first ? "..." : ", ...");
        else if (first && attr_u(fn, DW_AT_prototyped, 0) && !is_cplus(fn))
                sb_puts(b, "void");
        sb_putc(b, ')');
}

static void type_name_rec(struct sb *b, Dwarf_Die *type, const char *inner, int depth) {
        Dwarf_Die t;
        int tag;

        if (depth > MAX_TYPE_CHAIN) {
                sb_puts(b, "?");
                return;
        }
        tag = dwarf_tag(type);
        switch (tag) {
        case DW_TAG_pointer_type:
        case DW_TAG_reference_type:
        case DW_TAG_rvalue_reference_type: {
                const char *sym = tag == DW_TAG_pointer_type ? "*" : tag == DW_TAG_reference_type ? "&" : "&&";
                struct sb in = { 0 };
                Dwarf_Die pt;
                bool wrap = false;

                if (die_type(type, &t)) {
                        int ttag = dwarf_tag(&t);

                        wrap = ttag == DW_TAG_array_type || ttag == DW_TAG_subroutine_type;
                }
                if (wrap)
                        sb_putc(&in, '(');
                sb_puts(&in, sym);
                sb_puts(&in, inner);
                if (wrap)
                        sb_putc(&in, ')');
                if (in.oom)
                        b->oom = true;
                if (die_type(type, &pt))
                        type_name_rec(b, &pt, in.s ? in.s : "", depth + 1);
                else {
                        sb_puts(b, "void ");
                        sb_puts(b, in.s ? in.s : "");
                }
                free(in.s);
                return;
        }
        case DW_TAG_ptr_to_member_type: {
                /* c_type_print_varspec_prefix: "int K::*", a method's
                 * "void (K::*)(K * const, int)", this included. */
                struct sb in = { 0 };
                Dwarf_Die self, pt;
                Dwarf_Attribute a;
                bool method = die_type(type, &t) && dwarf_tag(&t) == DW_TAG_subroutine_type;

                if (method)
                        sb_putc(&in, '(');
                if (dwarf_formref_die(dwarf_attr(type, DW_AT_containing_type, &a), &self))
                        type_name_rec(&in, &self, "", depth + 1);
                else
                        sb_putc(&in, '?');
                sb_puts(&in, "::*");
                sb_puts(&in, inner);
                if (method)
                        sb_putc(&in, ')');
                if (in.oom)
                        b->oom = true;
                if (die_type(type, &pt))
                        type_name_rec(b, &pt, in.s ? in.s : "", depth + 1);
                else {
                        sb_puts(b, "void ");
                        sb_puts(b, in.s ? in.s : "");
                }
                free(in.s);
                return;
        }
        case DW_TAG_const_type:
        case DW_TAG_volatile_type:
        case DW_TAG_restrict_type:
        case DW_TAG_atomic_type: {
                const char *q = tag == DW_TAG_const_type ? "const" : tag == DW_TAG_volatile_type ? "volatile"
                              : tag == DW_TAG_restrict_type ? "restrict" : "_Atomic";
                bool has = die_type(type, &t);
                int ttag = has ? dwarf_tag(&t) : 0;

                if (has && (ttag == DW_TAG_pointer_type || ttag == DW_TAG_reference_type ||
                            ttag == DW_TAG_rvalue_reference_type)) {
                        /* "char * const": the qualifier follows the '*'. */
                        struct sb in = { 0 };

                        sb_putc(&in, ' ');
                        sb_puts(&in, q);
                        sb_puts(&in, inner);
                        if (in.oom)
                                b->oom = true;
                        type_name_rec(b, &t, in.s ? in.s : "", depth + 1);
                        free(in.s);
                        return;
                }
                if (has && (ttag == DW_TAG_const_type || ttag == DW_TAG_volatile_type)) {
                        /* "const volatile int" */
                        sb_puts(b, q);
                        sb_putc(b, ' ');
                        type_name_rec(b, &t, inner, depth + 1);
                        return;
                }
                if (has && ttag == DW_TAG_array_type) {
                        /* gdb moves qualifiers of arrays to the element. */
                        type_name_rec(b, &t, inner, depth + 1);
                        return;
                }
                sb_puts(b, q);
                sb_putc(b, ' ');
                if (has)
                        type_name_rec(b, &t, inner, depth + 1);
                else {
                        sb_puts(b, "void");
                        if (*inner) {
                                sb_putc(b, ' ');
                                sb_puts(b, inner);
                        }
                }
                return;
        }
        case DW_TAG_array_type: {
                struct sb in = { 0 };
                Dwarf_Die child, et;
                Dwarf_Die *elem = die_type(type, &et) ? &et : NULL;
                Dwarf_Die qual_elem;

                sb_puts(&in, inner);
                if (dwarf_child(type, &child) == 0)
                        do {
                                int ctag = dwarf_tag(&child);
                                Dwarf_Attribute a;
                                Dwarf_Word v;

                                if (ctag != DW_TAG_subrange_type && ctag != DW_TAG_enumeration_type)
                                        continue;
                                if (dwarf_attr_integrate(&child, DW_AT_count, &a) && dwarf_formudata(&a, &v) == 0)
                                        sb_printf(&in, "[%" PRIu64 "]", (uint64_t) v);
                                else if (dwarf_attr_integrate(&child, DW_AT_upper_bound, &a) &&
                                         dwarf_formudata(&a, &v) == 0 &&
                                         dwarf_whatform(&a) != DW_FORM_exprloc &&
                                         dwarf_whatform(&a) != DW_FORM_ref4)
                                        sb_printf(&in, "[%" PRIu64 "]", (uint64_t) v - attr_u(&child, DW_AT_lower_bound, 0) + 1);
                                else
                                        sb_puts(&in, "[]");
                        } while (dwarf_siblingof(&child, &child) == 0);
                if (in.oom)
                        b->oom = true;
                (void) qual_elem;
                if (elem)
                        type_name_rec(b, elem, in.s ? in.s : "", depth + 1);
                else {
                        sb_puts(b, "void ");
                        sb_puts(b, in.s ? in.s : "");
                }
                free(in.s);
                return;
        }
        case DW_TAG_subroutine_type: {
                struct sb in = { 0 };

                sb_puts(&in, inner);
                params_list(&in, type);
                if (in.oom)
                        b->oom = true;
                if (die_type(type, &t))
                        type_name_rec(b, &t, in.s ? in.s : "", depth + 1);
                else {
                        sb_puts(b, "void ");
                        sb_puts(b, in.s ? in.s : "");
                }
                free(in.s);
                return;
        }
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type:
        case DW_TAG_enumeration_type: {
                const char *name = dwarf_diename(type);

                /* c_type_print_base: C++ names a type by its name alone,
                 * an unnamed one by its keyword too ("struct {...}", a
                 * GCC lambda's closure). */
                if (!is_cplus(type) || !name)
                        sb_puts(b, tag == DW_TAG_union_type         ? "union "
                                   : tag == DW_TAG_enumeration_type ? "enum "
                                   : tag == DW_TAG_class_type && is_cplus(type) ? "class "
                                                                    : "struct ");
                if (name)
                        qualified_name(b, type);
                else
                        sb_puts(b, "{...}");
                break;
        }
        case DW_TAG_typedef:
        case DW_TAG_base_type:
        case DW_TAG_unspecified_type:
        default: {
                const char *name = dwarf_diename(type);

                if (tag == DW_TAG_typedef && name)
                        qualified_name(b, type);
                else if (tag == DW_TAG_base_type && name && is_cplus(type)) {
                        /* gdb canonicalizes C++ names, base types' too:
                         * "long unsigned int" is "unsigned long". */
                        char *c = symb_cxx_canonical_type(name);

                        sb_puts(b, c ? c : name);
                        free(c);
                } else
                        sb_puts(b, name ? name : "?");
                break;
        }
        }
        if (*inner) {
                sb_putc(b, ' ');
                sb_puts(b, inner);
        }
}

char *symb_type_name(Dwarf_Die *type) {
        struct sb b = { 0 };

        if (!type)
                sb_puts(&b, "void");
        else
                type_name_rec(&b, type, "", 0);
        if (b.oom) {
                free(b.s);
                return NULL;
        }
        return b.s ? b.s : strdup("");
}

/* ---- the printer ---- */

struct printer {
        const struct symb_frame_context *fc;
        unsigned nesting;               /* print_value() calls open now */
        unsigned max_depth;
        unsigned max_elements;
        const char *const *mask;        /* members named so print "[masked]" */
        bool masked;                    /* one did */
        bool raw;                       /* no library printers: gdb's print/r */
        bool cut;                       /* past MAX_VALUE_TEXT: nothing more printed */
        struct sb out;
};

/* The state of bits [bit, bit + n) of v, by gdb's precedence for scalars:
 * any optimized out, then synthetic, then unavailable; our own not
 * implemented and error last. *entire: every bit is unknown for that one
 * reason (gdb's value_entirely_optimized_out / _unavailable). */
static enum symb_reason bits_reason(const struct symb_value *v, uint64_t bit, uint64_t n, bool *entire) {
        bool seen[SYMB_REASON_SYNTHETIC + 1] = { false };
        bool any_known = false;
        int kinds = 0;
        static const enum symb_reason order[] = { SYMB_REASON_OPTIMIZED_OUT, SYMB_REASON_SYNTHETIC,
                                                  SYMB_REASON_UNAVAILABLE, SYMB_REASON_NOT_IMPLEMENTED,
                                                  SYMB_REASON_ERROR };

        if (bit + n > (uint64_t) v->size * 8) {
                /* Beyond the object: a bug in the type; never print it. */
                if (entire)
                        *entire = true;
                return SYMB_REASON_ERROR;
        }
        for (uint64_t b = bit; b < bit + n;) {
                size_t byte = b / 8;

                if (b % 8 == 0 && b + 8 <= bit + n) {
                        if (v->known[byte] == 0xff)
                                any_known = true;
                        else {
                                if (v->known[byte] != 0)
                                        any_known = true;
                                seen[v->why[byte] <= SYMB_REASON_SYNTHETIC ? v->why[byte] : SYMB_REASON_ERROR] = true;
                        }
                        b += 8;
                        continue;
                }
                if (v->known[byte] & (1u << (b % 8)))
                        any_known = true;
                else
                        seen[v->why[byte] <= SYMB_REASON_SYNTHETIC ? v->why[byte] : SYMB_REASON_ERROR] = true;
                b++;
        }
        seen[SYMB_REASON_NONE] = false;
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
                kinds += seen[order[i]];
        if (entire)
                *entire = !any_known && kinds == 1;
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
                if (seen[order[i]])
                        return order[i];
        /* Unknown bits with no reason recorded: treat as optimized out. */
        for (uint64_t b = bit; b < bit + n; b++)
                if (!(v->known[b / 8] & (1u << (b % 8)))) {
                        if (entire)
                                *entire = !any_known;
                        return SYMB_REASON_OPTIMIZED_OUT;
                }
        return SYMB_REASON_NONE;
}

static void print_marker(struct printer *p, enum symb_reason r, const struct symb_value *v) {
        switch (r) {
        case SYMB_REASON_OPTIMIZED_OUT:
                sb_puts(&p->out, "<optimized out>");
                break;
        case SYMB_REASON_UNAVAILABLE:
                sb_puts(&p->out, "<unavailable>");
                break;
        case SYMB_REASON_SYNTHETIC:
                sb_puts(&p->out, "<synthetic pointer>");
                break;
        case SYMB_REASON_NOT_IMPLEMENTED:
                sb_puts(&p->out, "<not implemented>");
                break;
        case SYMB_REASON_NONE:
        case SYMB_REASON_ERROR:
                sb_printf(&p->out, "<error: %s>", v && v->error && v->error[0] ? v->error : "bad DWARF");
                break;
        }
}

static uint64_t get_u64(const struct symb_value *v, uint64_t off, unsigned size) {
        uint64_t x = 0;

        memcpy(&x, v->bytes + off, size > 8 ? 8 : size);
        return x;
}

static int64_t sign_extend(uint64_t x, unsigned bits) {
        if (bits >= 64)
                return (int64_t) x;
        return (int64_t) (x << (64 - bits)) >> (64 - bits);
}

/* print_longest with 'd'/'u', 128 bits included. */
static void print_integer(struct sb *b, const uint8_t *bytes, unsigned size, bool is_signed) {
        unsigned __int128 u = 0;
        char buf[48];
        size_t n = sizeof buf;
        bool neg = false;

        if (size > 16)
                size = 16;
        for (unsigned i = 0; i < size; i++)
                u |= (unsigned __int128) bytes[i] << (8 * i);
        if (is_signed && size > 0 && (bytes[size - 1] & 0x80)) {
                if (size < 16)
                        u |= ~(unsigned __int128) 0 << (8 * size);
                u = -u;
                neg = true;
        }
        buf[--n] = 0;
        do {
                buf[--n] = (char) ('0' + (int) (u % 10));
                u /= 10;
        } while (u);
        if (neg)
                buf[--n] = '-';
        sb_puts(b, buf + n);
}

/* ---- characters and strings (gdb's generic_emit_char, generic_printstr) ---- */

enum char_kind { CK_NONE, CK_CHAR, CK_WIDE, CK_16, CK_32 };

/* gdb's c_textual_element_type + classify_type, on the unpeeled type. */
static enum char_kind textual(Dwarf_Die *type) {
        Dwarf_Die t = *type, base;

        for (int i = 0; i < MAX_TYPE_CHAIN; i++) {
                const char *name = dwarf_diename(&t);
                int tag = dwarf_tag(&t);

                if (name && (tag == DW_TAG_typedef || tag == DW_TAG_base_type)) {
                        if (strcmp(name, "wchar_t") == 0)
                                return CK_WIDE;
                        if (strcmp(name, "char16_t") == 0)
                                return CK_16;
                        if (strcmp(name, "char32_t") == 0)
                                return CK_32;
                }
                if (!is_qualifier(tag))
                        break;
                if (!die_type(&t, &t))
                        return CK_NONE;
        }
        if (!peel(type, &base) || dwarf_tag(&base) != DW_TAG_base_type)
                return CK_NONE;
        switch (encoding(&base)) {
        case DW_ATE_signed_char:
        case DW_ATE_unsigned_char:
                return dwarf_bytesize(&base) == 1 ? CK_CHAR : CK_NONE;
        case DW_ATE_signed:
        case DW_ATE_unsigned:
                return dwarf_bytesize(&base) == 1 ? CK_CHAR : CK_NONE;
        case DW_ATE_UTF:
                return dwarf_bytesize(&base) == 1 ? CK_CHAR : dwarf_bytesize(&base) == 2 ? CK_16 : CK_32;
        default:
                return CK_NONE;
        }
}

static const char *char_prefix(enum char_kind k) {
        return k == CK_WIDE ? "L" : k == CK_16 ? "u" : k == CK_32 ? "U" : "";
}

/* One character of width bytes as gdb's print_wchar shows it with a
 * quoter, in the C locale: ASCII printable as is, the seven C escapes,
 * else octal (or hex above 0777). *need_escape: a hex escape came last,
 * so a hex digit must not follow it bare. */
static void print_char(struct sb *b, uint32_t c, int quoter, bool *need_escape) {
        bool printable = c >= 0x20 && c < 0x7f;
        bool xdigit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

        switch (c) {
        case '\a': sb_puts(b, "\\a"); *need_escape = false; return;
        case '\b': sb_puts(b, "\\b"); *need_escape = false; return;
        case '\f': sb_puts(b, "\\f"); *need_escape = false; return;
        case '\n': sb_puts(b, "\\n"); *need_escape = false; return;
        case '\r': sb_puts(b, "\\r"); *need_escape = false; return;
        case '\t': sb_puts(b, "\\t"); *need_escape = false; return;
        case '\v': sb_puts(b, "\\v"); *need_escape = false; return;
        default:
                break;
        }
        if (printable && !(*need_escape && xdigit)) {
                if (c == (uint32_t) quoter || c == '\\')
                        sb_putc(b, '\\');
                sb_putc(b, (char) c);
                *need_escape = false;
                return;
        }
        if (c <= 0777) {
                sb_printf(b, "\\%.3o", c);
                *need_escape = false;
        } else {
                sb_printf(b, "\\x%" PRIx32, c);
                *need_escape = true;
        }
}

static uint32_t char_at(const uint8_t *s, size_t i, unsigned width) {
        uint32_t c = 0;

        memcpy(&c, s + i * width, width > 4 ? 4 : width);
        return c;
}

/* generic_printstr: length characters of width bytes at s. */
static void print_string(struct printer *p, const uint8_t *s, size_t length, unsigned width, enum char_kind kind,
                         bool force_ellipses) {
        struct sb *b = &p->out;
        size_t i = 0, count = 0;
        enum { START, SINGLE, REPEAT } last = START;
        bool need_escape = false, finished;

        sb_puts(b, char_prefix(kind));
        /* A trailing NUL is the terminator, not shown. */
        if (!force_ellipses && length > 0 && char_at(s, length - 1, width) == 0)
                length--;
        if (length == 0) {
                sb_puts(b, "\"\"");
                return;
        }
        /* Groups of equal characters until print elements are counted. */
        while (count < p->max_elements && i < length) {
                uint32_t c = char_at(s, i, width);
                size_t reps = 1;

                while (i + reps < length && char_at(s, i + reps, width) == c)
                        reps++;
                if (reps > REPEAT_THRESHOLD) {
                        if (last == SINGLE)
                                sb_putc(b, '"');
                        if (last != START)
                                sb_puts(b, ", ");
                        sb_putc(b, '\'');
                        need_escape = false;
                        print_char(b, c, '"', &need_escape);
                        sb_printf(b, "' <repeats %zu times>", reps);
                        last = REPEAT;
                } else {
                        if (last != SINGLE) {
                                if (last != START)
                                        sb_puts(b, ", ");
                                sb_putc(b, '"');
                        }
                        for (size_t k = 0; k < reps; k++)
                                print_char(b, c, '"', &need_escape);
                        last = SINGLE;
                }
                i += reps;
                count += reps;
        }
        finished = i >= length;
        if (last == SINGLE)
                sb_putc(b, '"');
        if (force_ellipses || !finished)
                sb_puts(b, "...");
}

/* generic_emit_char for a character value: 'A', '\377', L'x'. */
static void print_char_literal(struct sb *b, uint32_t c, enum char_kind kind) {
        bool need_escape = false;

        sb_puts(b, char_prefix(kind));
        sb_putc(b, '\'');
        print_char(b, c, '\'', &need_escape);
        sb_putc(b, '\'');
}

/* ---- pointers ---- */

/* The " <symbol+offset>" gdb prints after a pointer (address-names.c). */
static bool addr_symbol(const struct symb_frame_context *fc, uint64_t addr, struct sb *b) {
        Dwfl_Module *m = NULL;
        int64_t off = 0;
        char *name;

        if (addr == 0)
                return false;
        if (fc->dwfl)
                m = dwfl_addrmodule(fc->dwfl, addr);
        else if (fc->module) {
                Dwarf_Addr start, end;

                dwfl_module_info(fc->module, NULL, &start, &end, NULL, NULL, NULL, NULL);
                if (addr >= start && addr < end)
                        m = fc->module;
        }
        if (!m || !(name = symb_address_name(m, addr, &off)))
                return false;
        sb_puts(b, " <");
        sb_puts(b, name);
        free(name);
        if (off)
                sb_printf(b, "%+" PRId64, off);
        sb_putc(b, '>');
        return true;
}

/* val_print_string: a C string of up to max_elements characters at addr. */
static void print_pointed_string(struct printer *p, uint64_t addr, unsigned width, enum char_kind kind) {
        size_t limit = p->max_elements, cap = limit * width, got = 0;
        uint8_t *buf = malloc(cap + width);
        bool found_nul = false, err = false, force = false;

        if (!buf) {
                p->out.oom = true;
                return;
        }
        /* Reads a character at a time (as target_read_string does, in
         * chunks): the string may end at the edge of captured memory. */
        while (got < cap) {
                size_t want = cap - got > 256 ? 256 : cap - got;
                size_t n = p->fc->read ? p->fc->read(p->fc->read_userdata, addr + got, buf + got, want) : 0;

                n -= n % width;
                for (size_t k = 0; k < n; k += width)
                        if (char_at(buf + got, k / width, width) == 0) {
                                got += k + width;
                                found_nul = true;
                                goto done;
                        }
                got += n;
                if (n < want) {
                        err = true;
                        break;
                }
        }
done:
        if (!found_nul && !err) {
                /* Peek at the next character: gdb adds "..." unless it is
                 * a NUL; when the dump does not have it, say "..." too. */
                uint8_t peek[4] = { 0 };

                if (!p->fc->read || p->fc->read(p->fc->read_userdata, addr + got, peek, width) < width ||
                    char_at(peek, 0, width) != 0)
                        force = true;
        }
        if (!err || got > 0)
                print_string(p, buf, got / width, width, kind, force);
        if (err)
                sb_puts(&p->out, "<unavailable>");
        free(buf);
}

/* ---- composite values ---- */

static void print_value(struct printer *p, Dwarf_Die *type, const struct symb_value *v, uint64_t off, int recurse,
                        bool deref_ref);

/* A member's byte offset: DW_AT_data_member_location as a constant or
 * the DW_OP_plus_uconst expression older GCC wrote. */
static bool member_offset(Dwarf_Die *m, uint64_t *ret) {
        Dwarf_Attribute a;
        Dwarf_Word w;
        Dwarf_Op *ops;
        size_t n;

        if (!dwarf_attr_integrate(m, DW_AT_data_member_location, &a)) {
                *ret = 0;       /* union members */
                return true;
        }
        if (dwarf_whatform(&a) != DW_FORM_exprloc && dwarf_whatform(&a) != DW_FORM_block1 &&
            dwarf_formudata(&a, &w) == 0) {
                *ret = w;
                return true;
        }
        if (dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst) {
                *ret = ops[0].number;
                return true;
        }
        return false;
}

/* A bitfield: its first bit in the object, counted from bit 0 of byte 0. */
static bool bitfield_pos(Dwarf_Die *m, uint64_t *bitpos, uint64_t *nbits) {
        Dwarf_Attribute a;
        Dwarf_Word bs, w;

        if (!dwarf_attr_integrate(m, DW_AT_bit_size, &a) || dwarf_formudata(&a, &bs) != 0)
                return false;
        *nbits = bs;
        if (dwarf_attr_integrate(m, DW_AT_data_bit_offset, &a) && dwarf_formudata(&a, &w) == 0) {
                *bitpos = w;
                return true;
        }
        /* DWARF 2/3: DW_AT_bit_offset counts from the most significant bit
         * of a storage unit of DW_AT_byte_size bytes (little-endian here). */
        uint64_t byte_off = 0, unit;
        Dwarf_Word bo = attr_u(m, DW_AT_bit_offset, 0);

        if (!member_offset(m, &byte_off))
                return false;
        unit = attr_u(m, DW_AT_byte_size, 0);
        if (unit == 0) {
                Dwarf_Die t;

                unit = die_type(m, &t) && symb_type_size(&t) > 0 ? (uint64_t) symb_type_size(&t) : 4;
        }
        if (bo + bs > unit * 8)
                return false;
        *bitpos = byte_off * 8 + unit * 8 - bo - bs;
        return true;
}

static bool type_is_signed(Dwarf_Die *type) {
        Dwarf_Die t;

        if (!peel(type, &t))
                return false;
        if (dwarf_tag(&t) == DW_TAG_base_type) {
                int e = encoding(&t);

                return e == DW_ATE_signed || e == DW_ATE_signed_char;
        }
        if (dwarf_tag(&t) == DW_TAG_enumeration_type) {
                /* gdb: unsigned when no enumerator is negative. */
                Dwarf_Die c;

                if (dwarf_child(&t, &c) == 0)
                        do {
                                Dwarf_Attribute a;
                                Dwarf_Sword s;

                                if (dwarf_tag(&c) == DW_TAG_enumerator && dwarf_attr(&c, DW_AT_const_value, &a) &&
                                    (dwarf_whatform(&a) == DW_FORM_sdata || dwarf_whatform(&a) == DW_FORM_implicit_const) &&
                                    dwarf_formsdata(&a, &s) == 0 && s < 0)
                                        return true;
                        } while (dwarf_siblingof(&c, &c) == 0);
                return false;
        }
        return false;
}

static void print_bitfield(struct printer *p, Dwarf_Die *mtype, const struct symb_value *v, uint64_t bitpos,
                           uint64_t nbits, int recurse) {
        enum symb_reason r = bits_reason(v, bitpos, nbits, NULL);
        int64_t tsize = type_size(p->fc, mtype);
        uint8_t bytes[16] = { 0 }, known[16], why[16] = { 0 };
        uint64_t x = 0;

        if (r != SYMB_REASON_NONE) {
                print_marker(p, r, v);
                return;
        }
        if (nbits > 64 || tsize <= 0 || tsize > 16) {
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        for (uint64_t k = 0; k < nbits; k++)
                if (v->bytes[(bitpos + k) / 8] & (1u << ((bitpos + k) % 8)))
                        x |= UINT64_C(1) << k;
        if (type_is_signed(mtype))
                x = (uint64_t) sign_extend(x, (unsigned) nbits);
        memcpy(bytes, &x, 8);
        if (tsize > 8 && (int64_t) x < 0)
                memset(bytes + 8, 0xff, 8);
        memset(known, 0xff, sizeof known);

        struct symb_value bv = { .bytes = bytes, .known = known, .why = why, .size = (size_t) tsize };

        print_value(p, mtype, &bv, 0, recurse, false);
}

/* A static data member's value: DW_AT_const_value on the declaration, or
 * the definition elsewhere in the CU (DW_AT_specification). */
static void print_static_member(struct printer *p, Dwarf_Die *decl, int recurse);

/* A member named like a secret: its value is not printed at all, here
 * where the printer knows it is a member (reading the printed text back
 * cannot tell a member from the inside of a string or a char). */
static bool masked_member(struct printer *p, const char *name) {
        if (!symb_name_masked(name, p->mask))
                return false;
        sb_puts(&p->out, SYMB_MASKED);
        p->masked = true;
        return true;
}

static void print_struct(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off, int recurse) {
        Dwarf_Die c;
        bool fields_seen = false, any_field = false;
        int n_bases = 0;

        sb_putc(&p->out, '{');
        /* Base classes first: "<Base> = {...}, " each (cp_print_value). */
        if (dwarf_child(t, &c) == 0)
                do {
                        Dwarf_Die bt;
                        uint64_t moff;

                        if (dwarf_tag(&c) != DW_TAG_inheritance)
                                continue;
                        n_bases++;
                        sb_putc(&p->out, '<');
                        /* The class's own name, through typedefs: gdb's
                         * cp_print_value names check_typedef (base), so
                         * basic_string's allocator_type base prints as
                         * <std::allocator<char>>. */
                        if (die_type(&c, &bt) && peel(&bt, &bt)) {
                                char *name = symb_type_name(&bt);

                                sb_puts(&p->out, name ? name : "");
                                free(name);
                        }
                        sb_puts(&p->out, "> = ");
                        if (attr_u(&c, DW_AT_virtuality, 0) != 0 || !member_offset(&c, &moff) || !die_type(&c, &bt))
                                sb_puts(&p->out, "<not implemented>");
                        else
                                print_value(p, &bt, v, off + moff, recurse + 1, false);
                        sb_puts(&p->out, ", ");
                } while (dwarf_siblingof(&c, &c) == 0);

        if (dwarf_child(t, &c) == 0)
                do {
                        int tag = dwarf_tag(&c);
                        const char *name;
                        Dwarf_Die mt;
                        uint64_t moff, bitpos, nbits;
                        bool is_static;

                        /* DWARF 5 (GCC) makes a static member a variable; clang
                         * keeps DWARF 4's declared member (DW_FORM_flag_present,
                         * which dwarf_formudata does not read). */
                        is_static = tag == DW_TAG_variable ||
                                    (tag == DW_TAG_member && dwarf_hasattr(&c, DW_AT_declaration));
                        if (tag != DW_TAG_member && !is_static)
                                continue;
                        any_field = true;
                        if (fields_seen)
                                sb_puts(&p->out, ", ");
                        fields_seen = true;
                        name = dwarf_diename(&c);
                        if (is_static) {
                                sb_puts(&p->out, "static ");
                                sb_puts(&p->out, name ? name : "");
                                sb_puts(&p->out, " = ");
                                if (masked_member(p, name))
                                        continue;
                                print_static_member(p, &c, recurse + 1);
                                continue;
                        }
                        if (name && *name)
                                sb_printf(&p->out, "%s = ", name);
                        if (masked_member(p, name))
                                continue;
                        if (!die_type(&c, &mt)) {
                                sb_puts(&p->out, "<error: a member without a type>");
                                continue;
                        }
                        if (bitfield_pos(&c, &bitpos, &nbits)) {
                                if (off * 8 + bitpos + nbits > (uint64_t) v->size * 8) {
                                        sb_puts(&p->out, "<error: a bitfield beyond its struct>");
                                        continue;
                                }
                                print_bitfield(p, &mt, v, off * 8 + bitpos, nbits, recurse + 1);
                                continue;
                        }
                        if (!member_offset(&c, &moff)) {
                                sb_puts(&p->out, "<not implemented>");
                                continue;
                        }
                        /* An anonymous member counts at its parent's depth. */
                        print_value(p, &mt, v, off + moff, name && *name ? recurse + 1 : recurse, false);
                } while (dwarf_siblingof(&c, &c) == 0);
        if (!any_field)
                sb_puts(&p->out, "<No data fields>");
        (void) n_bases;
        sb_putc(&p->out, '}');
}

/* The bounds of one dimension: count of elements, or false if unknown. */
static bool subrange_count(const struct symb_frame_context *fc, Dwarf_Die *sub, uint64_t *ret) {
        Dwarf_Attribute a;
        Dwarf_Word w;
        bool is_count = false;

        if (dwarf_attr_integrate(sub, DW_AT_count, &a))
                is_count = true;
        else if (!dwarf_attr_integrate(sub, DW_AT_upper_bound, &a))
                return false;
        switch (dwarf_whatform(&a)) {
        case DW_FORM_ref1:
        case DW_FORM_ref2:
        case DW_FORM_ref4:
        case DW_FORM_ref8:
        case DW_FORM_ref_udata:
        case DW_FORM_ref_addr: {
                /* A VLA: the bound is held by an artificial variable. */
                Dwarf_Die var;
                struct symb_location loc;
                uint8_t bytes[8], known[8], why[8];
                int64_t vs;

                Dwarf_Attribute cv;
                Dwarf_Sword sv;

                if (!dwarf_formref_die(&a, &var))
                        return false;
                /* clang at -O2 knows the bound: the variable is a constant. */
                if (dwarf_attr(&var, DW_AT_const_value, &cv)) {
                        if (dwarf_formsdata(&cv, &sv) != 0)
                                return false;
                        w = (Dwarf_Word) sv;
                        break;
                }
                if (!fc || symb_location_of_die(fc, &var, &loc) != 1)
                        return false;
                vs = die_type(&var, &var) ? symb_type_size(&var) : 8;
                if (vs <= 0 || vs > 8)
                        return false;
                symb_location_read(fc, &loc, (size_t) vs, bytes, known, why);
                for (int64_t i = 0; i < vs; i++)
                        if (known[i] != 0xff)
                                return false;
                w = 0;
                memcpy(&w, bytes, (size_t) vs);
                break;
        }
        case DW_FORM_exprloc:
        case DW_FORM_block1:
        case DW_FORM_block: {
                Dwarf_Op *ops;
                size_t n;
                uint64_t x;

                if (!fc || dwarf_getlocation(&a, &ops, &n) != 0 ||
                    symb_expr_value(fc, &a, ops, n, &x) != SYMB_REASON_NONE)
                        return false;
                w = x;
                break;
        }
        default:
                if (dwarf_formudata(&a, &w) != 0)
                        return false;
        }
        if (is_count)
                *ret = w;
        else {
                Dwarf_Word lo = attr_u(sub, DW_AT_lower_bound, 0);

                /* upper_bound -1 (as unsigned) is a zero-length array. */
                *ret = (int64_t) w < (int64_t) lo ? 0 : w - lo + 1;
        }
        return true;
}

static bool elements_equal(const struct symb_value *v, uint64_t a, uint64_t b, uint64_t size) {
        return memcmp(v->bytes + a, v->bytes + b, size) == 0 && memcmp(v->known + a, v->known + b, size) == 0 &&
               memcmp(v->why + a, v->why + b, size) == 0;
}

/* Dimension dim of array t (dims[] counts) of elem, at off. */
static void print_array_dim(struct printer *p, Dwarf_Die *elem, const uint64_t *dims, size_t n_dims, size_t dim,
                            uint64_t elem_size, const struct symb_value *v, uint64_t off, int recurse) {
        uint64_t stride = elem_size, len = dims[dim], things = 0, i;
        enum char_kind ck;

        for (size_t k = dim + 1; k < n_dims; k++)
                stride *= dims[k];
        /* An inner dimension past the depth limit is "{...}" like a struct. */
        if (dim > 0 && recurse >= (int) p->max_depth && !(dim == n_dims - 1 && textual(elem) != CK_NONE)) {
                sb_puts(&p->out, "{...}");
                return;
        }
        /* c_value_print_array: textual elements as a string, when every
         * bit of the array is known. */
        if (dim == n_dims - 1 && (ck = textual(elem)) != CK_NONE && elem_size <= 4 &&
            bits_reason(v, off * 8, len * elem_size * 8, NULL) == SYMB_REASON_NONE) {
                print_string(p, v->bytes + off, len, (unsigned) elem_size, ck, false);
                return;
        }
        sb_putc(&p->out, '{');
        for (i = 0; i < len && things < p->max_elements; i++) {
                uint64_t reps = 1;

                if (i != 0)
                        sb_puts(&p->out, ", ");
                while (i + reps < len && elements_equal(v, off + i * stride, off + (i + reps) * stride, stride))
                        reps++;
                if (dim + 1 < n_dims)
                        print_array_dim(p, elem, dims, n_dims, dim + 1, elem_size, v, off + i * stride, recurse + 1);
                else
                        print_value(p, elem, v, off + i * stride, recurse + 1, false);
                if (reps > REPEAT_THRESHOLD) {
                        sb_printf(&p->out, " <repeats %" PRIu64 " times>", reps);
                        i += reps - 1;
                        things += REPEAT_THRESHOLD;
                } else
                        things++;
        }
        if (i < len)
                sb_puts(&p->out, "...");
        sb_putc(&p->out, '}');
}

static void print_array(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off, int recurse) {
        uint64_t dims[16], total = 1;
        size_t n_dims = 0;
        Dwarf_Die c, elem;
        int64_t es;

        if (!die_type(t, &elem) || (es = symb_type_size_in(p->fc, &elem)) <= 0) {
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        if (dwarf_child(t, &c) == 0)
                do {
                        if (dwarf_tag(&c) != DW_TAG_subrange_type)
                                continue;
                        if (n_dims == 16 || !subrange_count(p->fc, &c, &dims[n_dims])) {
                                sb_puts(&p->out, "<not implemented>");
                                return;
                        }
                        if (dims[n_dims] != 0 && total > UINT64_MAX / dims[n_dims]) {
                                sb_puts(&p->out, "<error: array too large>");
                                return;
                        }
                        total *= dims[n_dims];
                        n_dims++;
                } while (dwarf_siblingof(&c, &c) == 0);
        if (n_dims == 0 || total > v->size || off + total * (uint64_t) es > v->size) {
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        print_array_dim(p, &elem, dims, n_dims, 0, (uint64_t) es, v, off, recurse);
}

/* Reads size bytes at addr into a fresh value (known where captured). */
static struct symb_value *memory_value(const struct symb_frame_context *fc, uint64_t addr, size_t size) {
        struct symb_value *mv;
        uint8_t *mem;
        struct symb_location loc = { .n_pieces = 1 };

        mv = calloc(1, sizeof *mv);
        mem = malloc(3 * (size ? size : 1));
        if (!mv || !mem) {
                free(mv);
                free(mem);
                return NULL;
        }
        loc.pieces[0].kind = SYMB_PIECE_MEMORY;
        loc.pieces[0].addr = addr;
        symb_location_read(fc, &loc, size, mem, mem + size, mem + 2 * size);
        mv->bytes = mem;
        mv->known = mem + size;
        mv->why = mem + 2 * size;
        mv->size = size;
        mv->has_addr = true;
        mv->addr = addr;
        return mv;
}

static void memory_value_free(struct symb_value *mv) {
        if (mv)
                free((void *) mv->bytes);
        free(mv);
}

/* The value of a DIE (variable or parameter) as an object: for implicit
 * pointers, synthetic references and static members. */
static void print_die_value(struct printer *p, Dwarf_Die *die, Dwarf_Die *as_type, int64_t byte_offset, int recurse) {
        Dwarf_Die type;
        struct symb_location loc;
        int64_t size;
        uint8_t *mem;
        Dwarf_Attribute a;

        if (!as_type && !die_type(die, &type)) {
                sb_puts(&p->out, "<error: no type>");
                return;
        }
        if (!as_type)
                as_type = &type;
        size = type_size(p->fc, as_type);
        if (size <= 0 || size > MAX_VALUE_SIZE || byte_offset < 0) {
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        if (dwarf_attr(die, DW_AT_location, &a)) {
                Dwarf_Die vt;
                int64_t vsize = die_type(die, &vt) ? type_size(p->fc, &vt) : size;

                if (vsize < byte_offset + size)
                        vsize = byte_offset + size;
                if (vsize > MAX_VALUE_SIZE) {
                        sb_puts(&p->out, "<not implemented>");
                        return;
                }
                symb_location_of_die(p->fc, die, &loc);
                mem = malloc(3 * (size_t) vsize);
                if (!mem) {
                        p->out.oom = true;
                        return;
                }
                symb_location_read(p->fc, &loc, (size_t) vsize, mem, mem + vsize, mem + 2 * vsize);

                struct symb_value dv = { .bytes = mem, .known = mem + vsize, .why = mem + 2 * vsize,
                                         .size = (size_t) vsize, .error = loc.error };

                print_value(p, as_type, &dv, (uint64_t) byte_offset, recurse, false);
                free(mem);
                return;
        }
        if (dwarf_attr_integrate(die, DW_AT_const_value, &a)) {
                Dwarf_Block blk;
                Dwarf_Word u;
                uint8_t buf[16] = { 0 }, known[16], why[16] = { 0 };

                memset(known, 0xff, sizeof known);
                if (dwarf_formblock(&a, &blk) == 0 && (int64_t) blk.length >= byte_offset + size &&
                    blk.length <= MAX_VALUE_SIZE) {
                        struct symb_value dv = { .bytes = blk.data, .known = NULL, .why = NULL, .size = blk.length };
                        uint8_t *k = malloc(2 * blk.length + 1);

                        if (!k) {
                                p->out.oom = true;
                                return;
                        }
                        memset(k, 0xff, blk.length);
                        memset(k + blk.length, 0, blk.length);
                        dv.known = k;
                        dv.why = k + blk.length;
                        print_value(p, as_type, &dv, (uint64_t) byte_offset, recurse, false);
                        free(k);
                        return;
                }
                if (byte_offset == 0 && size <= 8 && dwarf_formudata(&a, &u) == 0) {
                        memcpy(buf, &u, 8);
                        struct symb_value dv = { .bytes = buf, .known = known, .why = why, .size = (size_t) size };

                        print_value(p, as_type, &dv, 0, recurse, false);
                        return;
                }
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        sb_puts(&p->out, "<optimized out>");
}

struct spec_search {
        Dwarf_Off decl;
        Dwarf_Die found;
        bool ok;
        unsigned visited;
};

static void find_definition(Dwarf_Die *parent, struct spec_search *s, int depth) {
        Dwarf_Die c;

        if (depth > 8 || dwarf_child(parent, &c) != 0)
                return;
        do {
                Dwarf_Attribute a;
                Dwarf_Die d;
                int tag = dwarf_tag(&c);

                if (++s->visited > 200000 || s->ok)
                        return;
                if (tag == DW_TAG_variable && dwarf_formref_die(dwarf_attr(&c, DW_AT_specification, &a), &d) &&
                    dwarf_dieoffset(&d) == s->decl) {
                        s->found = c;
                        s->ok = true;
                        return;
                }
                if (tag == DW_TAG_namespace)
                        find_definition(&c, s, depth + 1);
        } while (dwarf_siblingof(&c, &c) == 0);
}

static void print_static_member(struct printer *p, Dwarf_Die *decl, int recurse) {
        Dwarf_Attribute a;
        Dwarf_Die cu;
        struct spec_search s = { .decl = dwarf_dieoffset(decl) };

        if (dwarf_attr(decl, DW_AT_const_value, &a)) {
                print_die_value(p, decl, NULL, 0, recurse);
                return;
        }
        if (dwarf_diecu(decl, &cu, NULL, NULL))
                find_definition(&cu, &s, 0);
        if (!s.ok) {
                /* gdb: a static member without a definition. */
                sb_puts(&p->out, "<optimized out>");
                return;
        }
        print_die_value(p, &s.found, NULL, 0, recurse);
}

/* The value of the enumerators of an enum: gdb's generic_val_print_enum_1. */
/* C++ enumerators print qualified, as gdb names them: the enclosing
 * namespaces and classes, and the enum itself for an enum class. */
static void enum_prefix(Dwarf_Die *t, struct sb *b) {
        Dwarf_Die *scopes = NULL;
        int n;

        if (!is_cplus(t))
                return;
        n = dwarf_getscopes_die(t, &scopes);
        for (int i = n - 1; i >= 1; i--) {
                int tag = dwarf_tag(&scopes[i]);
                const char *sn = dwarf_diename(&scopes[i]);

                if (tag == DW_TAG_namespace || tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
                    tag == DW_TAG_union_type) {
                        sb_puts(b, sn ? sn : "(anonymous namespace)");
                        sb_puts(b, "::");
                }
        }
        free(scopes);
        if (dwarf_hasattr_integrate(t, DW_AT_enum_class) && dwarf_diename(t)) {
                sb_puts(b, dwarf_diename(t));
                sb_puts(b, "::");
        }
}

static void print_enum(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off, unsigned size) {
        bool is_signed = type_is_signed(t), flag = true;
        struct sb prefix = { 0 };
        uint64_t val = get_u64(v, off, size);
        Dwarf_Die c;
        struct { const char *name; uint64_t value; } en[512];
        size_t n = 0;

        if (is_signed)
                val = (uint64_t) sign_extend(val, size * 8);
        if (dwarf_child(t, &c) == 0)
                do {
                        Dwarf_Attribute a;
                        Dwarf_Word u;
                        Dwarf_Sword s;
                        int form;

                        if (dwarf_tag(&c) != DW_TAG_enumerator || !dwarf_attr(&c, DW_AT_const_value, &a))
                                continue;
                        form = dwarf_whatform(&a);
                        if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
                                if (dwarf_formsdata(&a, &s) != 0)
                                        continue;
                                u = (Dwarf_Word) s;
                        } else if (dwarf_formudata(&a, &u) != 0)
                                continue;
                        if (n == sizeof en / sizeof en[0]) {
                                /* Too many to decompose: only exact names. */
                                flag = false;
                                if (u == val) {
                                        enum_prefix(t, &p->out);
                                        sb_puts(&p->out, dwarf_diename(&c) ? dwarf_diename(&c) : "?");
                                        return;
                                }
                                continue;
                        }
                        en[n].name = dwarf_diename(&c) ? dwarf_diename(&c) : "";
                        en[n].value = u;
                        /* update_enumeration_type_from_children */
                        if ((int64_t) u < 0 && (form == DW_FORM_sdata || form == DW_FORM_implicit_const))
                                flag = false;
                        else if (__builtin_popcountll(u) >= 2)
                                flag = false;
                        n++;
                } while (dwarf_siblingof(&c, &c) == 0);
        if (is_signed)
                flag = false;
        enum_prefix(t, &prefix);
        if (prefix.oom)
                p->out.oom = true;
        for (size_t i = 0; i < n; i++)
                if (en[i].value == val) {
                        sb_puts(&p->out, prefix.s ? prefix.s : "");
                        sb_puts(&p->out, en[i].name);
                        free(prefix.s);
                        return;
                }
        if (flag) {
                bool first = true;

                for (size_t i = 0; i < n; i++)
                        if (val & en[i].value) {
                                sb_puts(&p->out, first ? "(" : " | ");
                                first = false;
                                val &= ~en[i].value;
                                sb_puts(&p->out, prefix.s ? prefix.s : "");
                                sb_puts(&p->out, en[i].name);
                        }
                if (val != 0) {
                        sb_puts(&p->out, first ? "(unknown: " : " | unknown: ");
                        sb_printf(&p->out, "0x%" PRIx64 ")", val);
                } else if (first)
                        sb_puts(&p->out, "0");
                else
                        sb_putc(&p->out, ')');
                free(prefix.s);
                return;
        }
        free(prefix.s);
        if (is_signed)
                sb_printf(&p->out, "%" PRId64, (int64_t) val);
        else
                sb_printf(&p->out, "%" PRIu64, val);
}

/* floatformat_mantissa: the mantissa bits in hex, the first chunk of
 * (man_len % 32 or 32) bits unpadded, then 8-digit chunks. */
static void nan_mantissa(struct sb *b, const uint8_t *bytes, unsigned man_len) {
        unsigned first = man_len % 32 ? man_len % 32 : 32;
        unsigned bit = man_len;         /* mantissa bits [0, man_len) from bit 0 */

        for (unsigned chunk = first; bit > 0; chunk = 32) {
                uint32_t x = 0;

                bit -= chunk;
                for (unsigned k = 0; k < chunk; k++)
                        if (bytes[(bit + k) / 8] & (1u << ((bit + k) % 8)))
                                x |= UINT32_C(1) << k;
                sb_printf(b, chunk == first && bit + chunk == man_len ? "%" PRIx32 : "%08" PRIx32, x);
        }
}

static void print_float(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off, unsigned size) {
        const uint8_t *b = v->bytes + off;
        const char *name = dwarf_diename(t);
        unsigned man_len, exp_bits;
        bool neg;

        if (size == 4 || size == 8) {
                uint64_t bits = get_u64(v, off, size), exp, man;

                man_len = size == 4 ? 23 : 52;
                exp_bits = size == 4 ? 8 : 11;
                exp = (bits >> man_len) & ((UINT64_C(1) << exp_bits) - 1);
                man = bits & ((UINT64_C(1) << man_len) - 1);
                neg = (bits >> (size * 8 - 1)) & 1;
                if (exp == (UINT64_C(1) << exp_bits) - 1) {
                        if (man) {
                                sb_printf(&p->out, "%snan(0x", neg ? "-" : "");
                                nan_mantissa(&p->out, b, man_len);
                                sb_putc(&p->out, ')');
                        } else
                                sb_puts(&p->out, neg ? "-inf" : "inf");
                        return;
                }
                if (size == 4) {
                        float f;

                        memcpy(&f, b, 4);
                        sb_printf(&p->out, "%.9g", (double) f);
                } else {
                        double d;

                        memcpy(&d, b, 8);
                        sb_printf(&p->out, "%.17g", d);
                }
                return;
        }
        if ((size == 16 || size == 10 || size == 12) && (!name || strstr(name, "long double"))) {
                /* x87 80-bit extended: 64-bit mantissa with an explicit
                 * integer bit, 15-bit exponent. */
                uint64_t man;
                unsigned exp;
                long double ld;

                memcpy(&man, b, 8);
                exp = (unsigned) (b[8] | (b[9] << 8)) & 0x7fff;
                neg = b[9] & 0x80;
                /* floatformat_i387_ext_is_valid: the integer bit is set
                 * exactly when the exponent is not zero. */
                if ((exp != 0) != ((man >> 63) != 0)) {
                        sb_puts(&p->out, "<invalid float value>");
                        return;
                }
                if (exp == 0x7fff) {
                        if (man & ~(UINT64_C(1) << 63)) {
                                sb_printf(&p->out, "%snan(0x", neg ? "-" : "");
                                nan_mantissa(&p->out, b, 64);
                                sb_putc(&p->out, ')');
                        } else
                                sb_puts(&p->out, neg ? "-inf" : "inf");
                        return;
                }
#if LDBL_MANT_DIG == 64
                memset(&ld, 0, sizeof ld);
                memcpy(&ld, b, 10);
                sb_printf(&p->out, "%.21Lg", ld);
#else
                (void) ld;
                sb_puts(&p->out, "<not implemented>");
#endif
                return;
        }
        sb_puts(&p->out, "<not implemented>");
}

static void print_base(struct printer *p, Dwarf_Die *type, Dwarf_Die *t, const struct symb_value *v, uint64_t off,
                       unsigned size) {
        int enc = encoding(t);
        enum char_kind ck;

        switch (enc) {
        case DW_ATE_boolean: {
                uint64_t x = get_u64(v, off, size);

                if (x == 0)
                        sb_puts(&p->out, "false");
                else if (x == 1)
                        sb_puts(&p->out, "true");
                else
                        print_integer(&p->out, v->bytes + off, size, false);
                return;
        }
        case DW_ATE_float:
                print_float(p, t, v, off, size);
                return;
        case DW_ATE_complex_float: {
                /* generic_value_print_complex: "re + imi". */
                struct symb_value part = *v;

                if (size != 8 && size != 16 && size != 32) {
                        sb_puts(&p->out, "<not implemented>");
                        return;
                }
                print_float(p, t, &part, off, size / 2);
                sb_puts(&p->out, " + ");
                print_float(p, t, &part, off + size / 2, size / 2);
                sb_putc(&p->out, 'i');
                return;
        }
        case DW_ATE_signed:
        case DW_ATE_signed_char:
        case DW_ATE_unsigned:
        case DW_ATE_unsigned_char:
        case DW_ATE_UTF:
                if (size == 0 || size > 16) {
                        sb_puts(&p->out, "<not implemented>");
                        return;
                }
                print_integer(&p->out, v->bytes + off, size,
                              enc == DW_ATE_signed || enc == DW_ATE_signed_char);
                ck = textual(type);
                if (ck != CK_NONE && size <= 4) {
                        /* c_value_print_int: the character as well. */
                        uint32_t c = (uint32_t) get_u64(v, off, size);

                        sb_putc(&p->out, ' ');
                        print_char_literal(&p->out, c, ck);
                }
                return;
        default:
                sb_puts(&p->out, "<not implemented>");
        }
}

static bool synthetic_target(const struct symb_value *v, uint64_t off, Dwarf_Die *target, int64_t *toff);

static void print_pointer(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off) {
        uint64_t addr = get_u64(v, off, 8);
        Dwarf_Die target, pt;
        bool has_target = die_type(t, &target);
        enum char_kind ck;

        sb_printf(&p->out, "0x%" PRIx64, addr);
        if (has_target && peel(&target, &pt) && dwarf_tag(&pt) == DW_TAG_subroutine_type) {
                addr_symbol(p->fc, addr, &p->out);
                return;
        }
        addr_symbol(p->fc, addr, &p->out);
        if (has_target && addr != 0 && (ck = textual(&target)) != CK_NONE) {
                int64_t w = type_size(p->fc, &target);

                if (w == 1 || w == 2 || w == 4) {
                        sb_putc(&p->out, ' ');
                        print_pointed_string(p, addr, (unsigned) w, ck);
                }
        }
}

/* A method pointer's class, its DW_AT_containing_type, has no virtual
 * methods and no bases: gnuv3_find_method_in finds nothing there. A
 * class only declared is looked for as gdb's check_typedef does; one
 * defined nowhere (std::_Undefined_class) has nothing. */
static bool no_virtual_methods(const struct symb_frame_context *fc, Dwarf_Die *ptm) {
        Dwarf_Attribute a;
        Dwarf_Die self, c, def;

        if (!dwarf_formref_die(dwarf_attr(ptm, DW_AT_containing_type, &a), &self) || !peel(&self, &self))
                return false;
        if (dwarf_hasattr(&self, DW_AT_declaration) && symb_type_definition(fc, &self, &def))
                self = def;
        if (dwarf_child(&self, &c) == 0)
                do {
                        if (dwarf_tag(&c) == DW_TAG_inheritance ||
                            (dwarf_tag(&c) == DW_TAG_subprogram && dwarf_hasattr(&c, DW_AT_vtable_elem_location)))
                                return false;
                } while (dwarf_siblingof(&c, &c) == 0);
        return true;
}

/* A pointer to member, as the Itanium ABI lays it out: to a method,
 * {ptr, adj} with bit 0 of ptr set for a virtual one (gdb/gnu-v3-abi.c's
 * gnuv3_print_method_ptr prints "NULL", or "(type) ", the function and
 * ", this adjustment N"); to a data member, the member's offset with -1
 * for null (cp_print_class_member). A virtual method in a class that has
 * some, and non-null data members, are not printed yet. */
static void print_member_pointer(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off,
                                 unsigned size) {
        Dwarf_Die target;
        bool method = die_type(t, &target) && peel(&target, &target) && dwarf_tag(&target) == DW_TAG_subroutine_type;
        uint64_t ptr = get_u64(v, off, 8);

        if (method && size == 16) {
                int64_t adj = (int64_t) get_u64(v, off + 8, 8);

                if (ptr == 0) {
                        sb_puts(&p->out, "NULL");
                        return;
                }
                if (ptr & 1) {
                        /* gdb names the virtual method it finds in the
                         * class; in a class with no virtual methods and no
                         * bases (std::_Undefined_class) there is none. */
                        if (!no_virtual_methods(p->fc, t)) {
                                sb_puts(&p->out, "<not implemented>");
                                return;
                        }
                        sb_printf(&p->out, "&virtual table offset %" PRId64, (int64_t) (ptr - 1));
                } else {
                        char *tn = symb_type_name(t);

                        if (!tn) {
                                p->out.oom = true;
                                return;
                        }
                        sb_printf(&p->out, "(%s) 0x%" PRIx64, tn, ptr);
                        free(tn);
                        addr_symbol(p->fc, ptr, &p->out);
                }
                if (adj)
                        sb_printf(&p->out, ", this adjustment %" PRId64, adj);
                return;
        }
        if (!method && size == 8 && ptr == UINT64_MAX) {
                sb_puts(&p->out, "NULL");
                return;
        }
        sb_puts(&p->out, "<not implemented>");
}

/* generic_val_print_array: an array of no length (a flexible member)
 * prints as a pointer to its first element. */
static void print_unsized_array(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off) {
        Dwarf_Die elem;
        enum char_kind ck;
        uint64_t addr = v->addr + off;

        if (!v->has_addr) {
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        sb_printf(&p->out, "0x%" PRIx64, addr);
        addr_symbol(p->fc, addr, &p->out);
        if (die_type(t, &elem) && (ck = textual(&elem)) != CK_NONE) {
                int64_t w = type_size(p->fc, &elem);

                if (w == 1 || w == 2 || w == 4) {
                        sb_putc(&p->out, ' ');
                        print_pointed_string(p, addr, (unsigned) w, ck);
                }
        }
}

static void print_reference(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off, int recurse,
                            bool deref_ref) {
        uint64_t addr = get_u64(v, off, 8);
        Dwarf_Die target;
        int64_t size;
        struct symb_value *mv;

        /* generic_val_print_ref: "@0x...", then ": value" for variables. */
        sb_printf(&p->out, "@0x%" PRIx64, addr);
        if (!deref_ref || !die_type(t, &target))
                return;
        sb_puts(&p->out, ": ");
        size = type_size(p->fc, &target);
        if (size <= 0 || size > MAX_VALUE_SIZE) {
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        mv = memory_value(p->fc, addr, (size_t) size);
        if (!mv) {
                p->out.oom = true;
                return;
        }
        print_value(p, &target, mv, 0, recurse, false);
        memory_value_free(mv);
}

static void print_value_in(struct printer *p, Dwarf_Die *type, const struct symb_value *v, uint64_t off,
                           int recurse, bool deref_ref);

/* printers.py's RxPrinter.invoke: a reference to a type a library
 * printer claims prints as its referent does, with no "@0x...: ". */
static bool print_library_referent(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off,
                                   int recurse) {
        Dwarf_Die target, tt;
        int64_t size;
        struct symb_value *mv;
        bool done;
        int tag;

        if (!die_type(t, &target) || !peel(&target, &tt) || !complete(p->fc, &tt))
                return false;
        tag = dwarf_tag(&tt);
        if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type && tag != DW_TAG_union_type)
                return false;
        size = type_size(p->fc, &tt);
        if (size <= 0 || size > MAX_VALUE_SIZE)
                return false;
        mv = memory_value(p->fc, get_u64(v, off, 8), (size_t) size);
        if (!mv) {
                p->out.oom = true;
                return true;
        }
        done = symb_print_library_type(p, &tt, mv, 0, recurse);
        memory_value_free(mv);
        return done;
}

/* Every nesting of values, anonymous members' included (which gdb's depth
 * limit does not count), is bounded: a user's DWARF may make a struct
 * its own unnamed member. */
#define MAX_NESTING 256

static void print_value(struct printer *p, Dwarf_Die *type, const struct symb_value *v, uint64_t off, int recurse,
                        bool deref_ref) {
        if (p->out.len > MAX_VALUE_TEXT) {
                if (!p->cut)
                        sb_puts(&p->out, "<error: the value's text passed 1 MiB and was cut>");
                p->cut = true;
                return;
        }
        if (p->nesting >= MAX_NESTING) {
                sb_puts(&p->out, "<error: the value nests too deep (a cycle in the debug info?)>");
                return;
        }
        p->nesting++;
        print_value_in(p, type, v, off, recurse, deref_ref);
        p->nesting--;
}

static void print_value_in(struct printer *p, Dwarf_Die *type, const struct symb_value *v, uint64_t off,
                           int recurse, bool deref_ref) {
        Dwarf_Die t;
        int64_t size;
        int tag;
        bool entire;
        enum symb_reason r;

        if (p->out.oom)
                return;
        if (!type || !peel(type, &t)) {
                sb_puts(&p->out, "<not implemented>");
                return;
        }
        if (!complete(p->fc, &t)) {
                /* Declared here, defined nowhere gdb looks either. */
                sb_puts(&p->out, "<incomplete type>");
                return;
        }
        tag = dwarf_tag(&t);
        size = symb_type_size_in(p->fc, &t);
        if (size < 0 || off + (uint64_t) size > v->size) {
                sb_puts(&p->out, "<error: a type larger than its object>");
                return;
        }
        r = bits_reason(v, off * 8, (uint64_t) size * 8, &entire);
        switch (tag) {
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type:
        case DW_TAG_array_type:
                /* value_check_printable: wholly unknown aggregates print
                 * one marker, partly known ones member by member. */
                if (r != SYMB_REASON_NONE && entire && size > 0) {
                        print_marker(p, r, v);
                        return;
                }
                /* gdb's do_val_print asks the pretty printers first,
                 * before its depth limit. */
                if (tag != DW_TAG_array_type && !p->raw && symb_print_library_type(p, &t, v, off, recurse))
                        return;
                if (recurse >= (int) p->max_depth &&
                    !(tag == DW_TAG_array_type && ({
                            Dwarf_Die e;
                            die_type(&t, &e) && textual(&e) != CK_NONE;
                    }))) {
                        sb_puts(&p->out, "{...}");
                        return;
                }
                if (tag == DW_TAG_array_type && size == 0)
                        print_unsized_array(p, &t, v, off);
                else if (tag == DW_TAG_array_type)
                        print_array(p, &t, v, off, recurse);
                else
                        print_struct(p, &t, v, off, recurse);
                return;
        case DW_TAG_reference_type:
        case DW_TAG_rvalue_reference_type:
                if (r == SYMB_REASON_SYNTHETIC) {
                        /* A reference to a value with no address: gdb
                         * prints the referent alone. */
                        Dwarf_Die target, tt;
                        int64_t toff;

                        if (synthetic_target(v, off, &target, &toff) && die_type(&t, &tt)) {
                                print_die_value(p, &target, &tt, toff, recurse);
                                return;
                        }
                }
                if (r != SYMB_REASON_NONE) {
                        print_marker(p, r, v);
                        return;
                }
                if (!p->raw && print_library_referent(p, &t, v, off, recurse))
                        return;
                print_reference(p, &t, v, off, recurse, deref_ref);
                return;
        default:
                break;
        }
        if (r != SYMB_REASON_NONE) {
                print_marker(p, r, v);
                return;
        }
        switch (tag) {
        case DW_TAG_base_type:
                print_base(p, type, &t, v, off, (unsigned) size);
                return;
        case DW_TAG_enumeration_type:
                if (size < 1 || size > 8) {
                        sb_puts(&p->out, "<not implemented>");
                        return;
                }
                print_enum(p, &t, v, off, (unsigned) size);
                return;
        case DW_TAG_pointer_type:
                if (size != 8) {
                        sb_puts(&p->out, "<not implemented>");
                        return;
                }
                print_pointer(p, &t, v, off);
                return;
        case DW_TAG_ptr_to_member_type:
                print_member_pointer(p, &t, v, off, (unsigned) size);
                return;
        default:
                sb_puts(&p->out, "<not implemented>");
        }
}

/* The implicit pointer piece that starts at byte off of v, from the
 * location v was read from. */
static bool synthetic_target(const struct symb_value *v, uint64_t off, Dwarf_Die *target, int64_t *toff) {
        const struct symb_location *loc = v->loc;
        uint64_t pos = 0;

        if (!loc)
                return false;
        for (size_t i = 0; i < loc->n_pieces; i++) {
                const struct symb_piece *pc = &loc->pieces[i];
                uint64_t nbits = pc->bit_size ? pc->bit_size : (uint64_t) v->size * 8;

                if (pc->kind == SYMB_PIECE_IMPLICIT_POINTER && pos == off * 8) {
                        *target = pc->target;
                        *toff = pc->target_offset;
                        return true;
                }
                pos += nbits;
        }
        return false;
}

/* ---- services to the library printers (printers.h) ---- */

void pv_puts(struct printer *p, const char *s) {
        sb_puts(&p->out, s);
}

void pv_printf(struct printer *p, const char *fmt, ...) {
        va_list ap;
        char small[256];
        int n;

        va_start(ap, fmt);
        n = vsnprintf(small, sizeof small, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n < sizeof small) {
                sb_putn(&p->out, small, (size_t) n);
                return;
        }
        {
                char *big = malloc((size_t) n + 1);

                if (!big) {
                        p->out.oom = true;
                        return;
                }
                va_start(ap, fmt);
                vsnprintf(big, (size_t) n + 1, fmt, ap);
                va_end(ap);
                sb_putn(&p->out, big, (size_t) n);
                free(big);
        }
}

unsigned pv_max_elements(const struct printer *p) {
        return p->max_elements;
}

unsigned pv_max_depth(const struct printer *p) {
        return p->max_depth;
}

bool pv_failed(const struct printer *p) {
        return p->out.oom || p->cut;
}

size_t pv_mark(const struct printer *p) {
        return p->out.len;
}

void pv_rewind(struct printer *p, size_t mark) {
        if (mark < p->out.len && p->out.s) {
                p->out.len = mark;
                p->out.s[mark] = 0;
        }
}

const struct symb_frame_context *pv_frame(const struct printer *p) {
        return p->fc;
}

void pv_value(struct printer *p, Dwarf_Die *type, const struct symb_value *v, uint64_t off, int recurse) {
        print_value(p, type, v, off, recurse, false);
}

enum symb_reason pv_value_at(struct printer *p, Dwarf_Die *type, uint64_t addr, int recurse) {
        int64_t size = type_size(p->fc, type);
        struct symb_value *mv;
        enum symb_reason r;
        bool entire;

        if (size <= 0 || size > MAX_VALUE_SIZE) {
                sb_puts(&p->out, size == 0 ? "{<No data fields>}" : "<error: a value too large to print>");
                return SYMB_REASON_NONE;
        }
        mv = memory_value(p->fc, addr, (size_t) size);
        if (!mv) {
                p->out.oom = true;
                return SYMB_REASON_NONE;
        }
        r = bits_reason(mv, 0, (uint64_t) size * 8, &entire);
        if (r != SYMB_REASON_NONE && entire) {
                print_marker(p, r, mv);
                memory_value_free(mv);
                return r;
        }
        print_value(p, type, mv, 0, recurse, false);
        memory_value_free(mv);
        return SYMB_REASON_NONE;
}

void pv_marker(struct printer *p, enum symb_reason r) {
        print_marker(p, r, NULL);
}

void pv_string_at(struct printer *p, uint64_t addr, uint64_t length, Dwarf_Die *char_type) {
        int64_t w = type_size(p->fc, char_type);
        enum char_kind ck = textual(char_type);
        uint64_t want = length < p->max_elements ? length : p->max_elements;
        size_t got;
        uint8_t *buf;

        if (w != 1 && w != 2 && w != 4)
                w = 1;
        if (ck == CK_NONE)
                ck = CK_CHAR;
        buf = malloc(want * (uint64_t) w + 1);
        if (!buf) {
                p->out.oom = true;
                return;
        }
        /* val_print_string with a length: min(length, print elements)
         * characters, no NUL search; what could be read is printed, then
         * the error. */
        got = want && p->fc->read ? p->fc->read(p->fc->read_userdata, addr, buf, want * (uint64_t) w) : 0;
        got -= got % (size_t) w;
        if (got == want * (uint64_t) w || got > 0)
                print_string(p, buf, got / (size_t) w, (unsigned) w, ck, length > want);
        if (got < want * (uint64_t) w)
                sb_puts(&p->out, "<unavailable>");
        free(buf);
}

bool pv_read(const struct printer *p, uint64_t addr, void *buf, size_t n) {
        return p->fc->read && p->fc->read(p->fc->read_userdata, addr, buf, n) == n;
}

bool pv_get(const struct symb_value *v, uint64_t off, unsigned size, uint64_t *ret) {
        if (size == 0 || size > 8 || off + size > v->size)
                return false;
        for (unsigned i = 0; i < size; i++)
                if (v->known[off + i] != 0xff)
                        return false;
        *ret = get_u64(v, off, size);
        return true;
}

bool pv_die_type(Dwarf_Die *die, Dwarf_Die *ret) {
        return die_type(die, ret);
}

bool pv_peel(Dwarf_Die *type, Dwarf_Die *ret) {
        return peel(type, ret);
}

int64_t pv_type_size(const struct printer *p, Dwarf_Die *type) {
        return type_size(p->fc, type);
}

static uint64_t type_align(Dwarf_Die *type, int depth) {
        Dwarf_Die t = *type, c, mt;
        uint64_t a = 1;

        for (int i = 0; i < MAX_TYPE_CHAIN; i++) {
                if (dwarf_hasattr(&t, DW_AT_alignment))
                        return attr_u(&t, DW_AT_alignment, 1);
                if (!is_qualifier(dwarf_tag(&t)))
                        break;
                if (!die_type(&t, &t))
                        return 1;
        }
        if (depth > 32)
                return 1;
        switch (dwarf_tag(&t)) {
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type:
                if (dwarf_child(&t, &c) == 0)
                        do {
                                int tag = dwarf_tag(&c);

                                if ((tag == DW_TAG_member && !dwarf_hasattr(&c, DW_AT_declaration)) ||
                                    tag == DW_TAG_inheritance) {
                                        uint64_t m = die_type(&c, &mt) ? type_align(&mt, depth + 1) : 1;

                                        if (m > a)
                                                a = m;
                                }
                        } while (dwarf_siblingof(&c, &c) == 0);
                return a;
        case DW_TAG_array_type:
                return die_type(&t, &mt) ? type_align(&mt, depth + 1) : 1;
        case DW_TAG_pointer_type:
        case DW_TAG_reference_type:
        case DW_TAG_rvalue_reference_type:
        case DW_TAG_ptr_to_member_type:
                return 8;
        default: {
                Dwarf_Word size = attr_u(&t, DW_AT_byte_size, 1);

                return size >= 16 ? 16 : size >= 8 ? 8 : size >= 4 ? 4 : size >= 2 ? 2 : 1;
        }
        }
}

uint64_t pv_type_align(Dwarf_Die *type) {
        return type_align(type, 0);
}

static bool member_in(const struct printer *p, Dwarf_Die *t, const char *name, Dwarf_Die *type, uint64_t *off,
                      int depth) {
        Dwarf_Die c, bt;
        uint64_t boff;

        if (depth > 32 || dwarf_child(t, &c) != 0)
                return false;
        /* gdb's search_struct_field: the class's own fields first... */
        do {
                const char *n;
                uint64_t aoff;

                if (dwarf_tag(&c) != DW_TAG_member || dwarf_hasattr(&c, DW_AT_declaration))
                        continue;
                n = dwarf_diename(&c);
                if (n && strcmp(n, name) == 0)
                        return die_type(&c, type) && member_offset(&c, off);
                /* An anonymous struct or union's members are the class's
                 * own (basic_string's _M_local_buf). */
                if ((!n || !*n) && die_type(&c, &bt) && peel(&bt, &bt) && member_offset(&c, &aoff) &&
                    member_in(p, &bt, name, type, off, depth + 1)) {
                        *off += aoff;
                        return true;
                }
        } while (dwarf_siblingof(&c, &c) == 0);
        /* ...then each base class's, depth first. */
        dwarf_child(t, &c);
        do {
                if (dwarf_tag(&c) != DW_TAG_inheritance || attr_u(&c, DW_AT_virtuality, 0) != 0)
                        continue;
                if (!die_type(&c, &bt) || !peel(&bt, &bt) || !complete(p->fc, &bt) || !member_offset(&c, &boff))
                        continue;
                if (member_in(p, &bt, name, type, off, depth + 1)) {
                        *off += boff;
                        return true;
                }
        } while (dwarf_siblingof(&c, &c) == 0);
        return false;
}

bool pv_member(const struct printer *p, Dwarf_Die *t, const char *name, Dwarf_Die *type, uint64_t *off) {
        Dwarf_Die pt;

        if (!peel(t, &pt) || !complete(p->fc, &pt))
                return false;
        return member_in(p, &pt, name, type, off, 0);
}

static bool targ_in(Dwarf_Die *parent, unsigned *n, Dwarf_Die *type, int64_t *value, enum pv_targ *kind) {
        Dwarf_Die c;

        if (dwarf_child(parent, &c) != 0)
                return false;
        do {
                int tag = dwarf_tag(&c);

                if (tag == DW_TAG_GNU_template_parameter_pack) {
                        if (targ_in(&c, n, type, value, kind))
                                return true;
                        continue;
                }
                if (tag != DW_TAG_template_type_parameter && tag != DW_TAG_template_value_parameter)
                        continue;
                if ((*n)-- > 0)
                        continue;
                if (tag == DW_TAG_template_type_parameter) {
                        *kind = PV_TARG_TYPE;
                        if (type && !die_type(&c, type))
                                *kind = PV_TARG_NONE;
                } else {
                        Dwarf_Attribute a;
                        Dwarf_Sword sv;

                        *kind = PV_TARG_NONE;
                        if (dwarf_attr_integrate(&c, DW_AT_const_value, &a) && dwarf_formsdata(&a, &sv) == 0) {
                                *kind = PV_TARG_VALUE;
                                if (value)
                                        *value = sv;
                        }
                }
                return true;
        } while (dwarf_siblingof(&c, &c) == 0);
        return false;
}

enum pv_targ pv_template_arg(Dwarf_Die *t, unsigned n, Dwarf_Die *type, int64_t *value) {
        enum pv_targ kind = PV_TARG_NONE;

        return targ_in(t, &n, type, value, &kind) ? kind : PV_TARG_NONE;
}

static bool is_field(Dwarf_Die *c) {
        int tag = dwarf_tag(c);

        return tag == DW_TAG_inheritance || tag == DW_TAG_member || tag == DW_TAG_variable;
}

bool pv_field(Dwarf_Die *t, unsigned k, Dwarf_Die *ret) {
        Dwarf_Die c;

        if (dwarf_child(t, &c) != 0)
                return false;
        do {
                if (is_field(&c) && k-- == 0) {
                        *ret = c;
                        return true;
                }
        } while (dwarf_siblingof(&c, &c) == 0);
        return false;
}

size_t pv_n_fields(Dwarf_Die *t) {
        Dwarf_Die c;
        size_t n = 0;

        if (dwarf_child(t, &c) != 0)
                return 0;
        do
                n += is_field(&c);
        while (dwarf_siblingof(&c, &c) == 0);
        return n;
}

bool pv_base(Dwarf_Die *f, Dwarf_Die *type, uint64_t *off) {
        return dwarf_tag(f) == DW_TAG_inheritance && attr_u(f, DW_AT_virtuality, 0) == 0 && die_type(f, type) &&
               member_offset(f, off);
}

int symb_value_format(const struct symb_frame_context *fc, Dwarf_Die *type, const struct symb_value *v,
                      const struct symb_value_limits *lim, bool deref_ref, char **ret, bool *ret_masked) {
        struct printer p = {
                .fc = fc,
                .max_depth = lim && lim->max_depth ? lim->max_depth : GDB_MAX_DEPTH,
                .max_elements = lim && lim->max_elements ? lim->max_elements : 200,
                .mask = lim ? lim->mask : NULL,
                .raw = lim && lim->raw,
        };
        Dwarf_Die t;
        bool entire;
        enum symb_reason r;
        int tag;

        *ret = NULL;
        if (v->size > 0) {
                r = bits_reason(v, 0, (uint64_t) v->size * 8, &entire);
                tag = type && peel(type, &t) ? dwarf_tag(&t) : 0;
                /* A value wholly unknown is no value: the caller says why. */
                if (r != SYMB_REASON_NONE && r != SYMB_REASON_SYNTHETIC &&
                    (entire || !(tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
                                 tag == DW_TAG_union_type || tag == DW_TAG_array_type)))
                        return (int) r;
        }
        print_value(&p, type, v, 0, 0, deref_ref);
        if (p.out.oom) {
                free(p.out.s);
                return -ENOMEM;
        }
        *ret = p.out.s ? p.out.s : strdup("");
        if (ret_masked)
                *ret_masked = p.masked;
        return *ret ? SYMB_REASON_NONE : -ENOMEM;
}
