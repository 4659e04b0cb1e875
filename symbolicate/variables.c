/* SPDX-License-Identifier: MIT */
/* symbolicate/variables.c: see variables.h.
 *
 * The order is gdb's (`bt full`): the parameters of the function in
 * declaration order, then the locals of the innermost block first and of
 * each enclosing block after it. For an inlined instance (or a concrete
 * out-of-line copy of an inline function) the parameters and locals that
 * exist only in the abstract origin are listed too, as gdb's inherit_abstract_dies
 * does: <optimized out> unless the abstract DIE has a constant or a location
 * (static locals). A variable whose value cannot be
 * known gets a NULL value and the reason, never a guess. */
#include <dwarf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "location.h"
#include "symb-internal.h"
#include "values.h"
#include "variables.h"

/* gdb's max-value-size: it refuses larger objects the same way. */
#define MAX_VALUE_SIZE 65536
/* Children looked at per scope in hostile DWARF, and blocks read through
 * inside one another. */
#define MAX_CHILDREN 100000
#define MAX_BLOCK_DEPTH 16

void symb_var_clear(struct symb_var *v) {
        free(v->name);
        free(v->type);
        free(v->value);
        free(v->reason);
        free(v->detail);
        memset(v, 0, sizeof *v);
}

/* Whether the report may have one more variable here (budget.h). */
static bool room(const struct symb_value_limits *lim, size_t n_vars) {
        return !lim->budget || symb_budget_var_ok(lim->budget, n_vars);
}

static int append(const struct symb_value_limits *lim, struct symb_var **vars, size_t *n, struct symb_var *v) {
        struct symb_var *t = realloc(*vars, (*n + 1) * sizeof **vars);

        if (!t)
                return -ENOMEM;
        if (lim->budget)
                symb_budget_var_spent(lim->budget, v);
        *vars = t;
        t[(*n)++] = *v;
        memset(v, 0, sizeof *v);
        return 0;
}

static int set_reason(struct symb_var *v, enum symb_reason r, const char *error) {
        if (r == SYMB_REASON_ERROR) {
                size_t n = strlen("error: ") + strlen(error && *error ? error : "bad DWARF") + 1;

                v->reason = malloc(n);
                if (v->reason)
                        snprintf(v->reason, n, "error: %s", error && *error ? error : "bad DWARF");
        } else
                v->reason = strdup(symb_reason_name(r));
        return v->reason ? 0 : -ENOMEM;
}

/* The value of DW_AT_const_value as the bytes of an object of size bytes.
 * Data forms are zero-extended and sdata sign-extended, as gdb stores
 * them (dwarf2_const_value_attr). */
static int const_value(Dwarf_Attribute *a, size_t size, uint8_t *bytes, const char **error) {
        Dwarf_Block blk;
        Dwarf_Word u;
        Dwarf_Sword s;
        const char *str;

        memset(bytes, 0, size);
        switch (dwarf_whatform(a)) {
        case DW_FORM_block:
        case DW_FORM_block1:
        case DW_FORM_block2:
        case DW_FORM_block4:
        case DW_FORM_data16:
                if (dwarf_formblock(a, &blk) != 0)
                        break;
                memcpy(bytes, blk.data, blk.length < size ? blk.length : size);
                return blk.length >= size ? 0 : -1;
        case DW_FORM_string:
        case DW_FORM_strp:
        case DW_FORM_line_strp:
        case DW_FORM_strx:
        case DW_FORM_strx1:
        case DW_FORM_strx2:
        case DW_FORM_strx3:
        case DW_FORM_strx4:
        case DW_FORM_GNU_strp_alt:
                str = dwarf_formstring(a);
                if (!str)
                        break;
                memcpy(bytes, str, strlen(str) + 1 < size ? strlen(str) + 1 : size);
                return 0;
        case DW_FORM_sdata:
        case DW_FORM_implicit_const:
                if (dwarf_formsdata(a, &s) != 0)
                        break;
                memset(bytes, s < 0 ? 0xff : 0, size);
                memcpy(bytes, &s, size < 8 ? size : 8);
                return 0;
        default:
                if (dwarf_formudata(a, &u) != 0)
                        break;
                memcpy(bytes, &u, size < 8 ? size : 8);
                return 0;
        }
        *error = "bad DW_AT_const_value";
        return -1;
}

/* One parameter or local: its name, type and value. */
static int describe(const struct symb_frame_context *fc, Dwarf_Die *die, enum symb_var_kind kind,
                    const struct symb_value_limits *lim, struct symb_var *v) {
        Dwarf_Attribute a;
        Dwarf_Die type;
        bool has_type;
        const char *name = dwarf_diename(die);
        struct symb_location loc;
        int64_t size;
        uint8_t *mem = NULL;
        int r;

        v->kind = kind;
        v->name = strdup(name ? name : "");
        if (dwarf_tag(die) == DW_TAG_label)     /* see wanted(): no type, no value */
                return v->name ? set_reason(v, SYMB_REASON_OPTIMIZED_OUT, NULL) : -ENOMEM;
        has_type = dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), &type) != NULL;
        v->type = symb_type_name(has_type ? &type : NULL);
        if (!v->name || !v->type)
                return -ENOMEM;
        /* A secret's value is never read, let alone printed. */
        if (symb_name_masked(v->name, lim->mask)) {
                v->masked = true;
                return (v->value = strdup(SYMB_MASKED)) ? 0 : -ENOMEM;
        }
        if (!has_type)
                return set_reason(v, SYMB_REASON_ERROR, "a variable without a type");
        size = symb_type_size_in(fc, &type);
        if (size < 0 && symb_type_incomplete(fc, &type))
                return (v->value = strdup("<incomplete type>")) ? 0 : -ENOMEM;
        if (size < 0 && symb_type_cyclic(&type))
                return set_reason(v, SYMB_REASON_ERROR, "the type refers to itself (a cycle in the debug info)");
        if (size < 0)
                return set_reason(v, SYMB_REASON_NOT_IMPLEMENTED, NULL);
        if (size > MAX_VALUE_SIZE) {
                char msg[96];

                snprintf(msg, sizeof msg, "value requires %" PRId64 " bytes, which is more than max-value-size", size);
                return set_reason(v, SYMB_REASON_ERROR, msg);
        }
        mem = malloc(3 * (size_t) (size ? size : 1));
        if (!mem)
                return -ENOMEM;

        struct symb_value val = {
                .bytes = mem, .known = mem + size, .why = mem + 2 * size, .size = (size_t) size,
        };

        if (symb_location_of_die(fc, die, &loc) == 1) {
                symb_location_read(fc, &loc, (size_t) size, mem, mem + size, mem + 2 * size);
                val.error = loc.error;
                val.loc = &loc;
                val.has_addr = symb_location_is_memory(&loc, &val.addr);
        } else if (dwarf_attr_integrate(die, DW_AT_const_value, &a)) {
                const char *error = NULL;

                if (const_value(&a, (size_t) size, mem, &error) < 0) {
                        free(mem);
                        return set_reason(v, SYMB_REASON_ERROR, error ? error : "DW_AT_const_value too short");
                }
                memset(mem + size, 0xff, (size_t) size);
                memset(mem + 2 * size, 0, (size_t) size);
        } else {
                /* Neither: gdb's LOC_OPTIMIZED_OUT. */
                free(mem);
                return set_reason(v, SYMB_REASON_OPTIMIZED_OUT, NULL);
        }

        r = symb_value_format(fc, &type, &val, lim, /* deref_ref= */ true, &v->value, &v->masked);
        free(mem);
        if (r < 0)
                return r;
        if (r > 0) {
                if (r != SYMB_REASON_ERROR && val.error && *val.error && !(v->detail = strdup(val.error)))
                        return -ENOMEM;
                return set_reason(v, (enum symb_reason) r, val.error);
        }
        return 0;
}

static bool abstract_origin(Dwarf_Die *die, Dwarf_Die *ret) {
        Dwarf_Attribute a;

        return dwarf_formref_die(dwarf_attr(die, DW_AT_abstract_origin, &a), ret) != NULL;
}

static bool same_die(Dwarf_Die *a, Dwarf_Die *b) {
        return dwarf_dieoffset(a) == dwarf_dieoffset(b) && dwarf_cu_getdwarf(a->cu) == dwarf_cu_getdwarf(b->cu);
}

/* Do scope's children and its abstract origin's have the same tags, one
 * for one (call sites included)? gdb's inherit_abstract_dies then pairs
 * a concrete lexical block that lacks DW_AT_abstract_origin (clang's) with
 * the abstract child in its place. */
static bool isomorphic(Dwarf_Die *scope, Dwarf_Die *origin) {
        Dwarf_Die c, a;
        bool hc = dwarf_child(scope, &c) == 0, ha = dwarf_child(origin, &a) == 0;

        for (unsigned k = 0; hc || ha; k++) {
                if (!hc || !ha || k >= MAX_CHILDREN || dwarf_tag(&c) != dwarf_tag(&a))
                        return false;
                hc = dwarf_siblingof(&c, &c) == 0;
                ha = dwarf_siblingof(&a, &a) == 0;
        }
        return true;
}

/* Does scope have a concrete child whose abstract origin is abs, the
 * abs_index-th child of scope's origin? A call site never counts; with
 * iso (isomorphic()), a lexical block without an origin stands for the
 * abstract child at its own index. */
static bool has_concrete(Dwarf_Die *scope, Dwarf_Die *abs, unsigned abs_index, bool iso) {
        Dwarf_Die c, o;
        unsigned k = 0;

        if (dwarf_child(scope, &c) != 0)
                return false;
        do {
                int tag = dwarf_tag(&c);

                if (tag == DW_TAG_call_site || tag == DW_TAG_GNU_call_site)
                        continue;
                if (abstract_origin(&c, &o)) {
                        if (same_die(&o, abs))
                                return true;
                } else if (iso && k == abs_index && tag == DW_TAG_lexical_block)
                        return true;
        } while (++k < MAX_CHILDREN && dwarf_siblingof(&c, &c) == 0);
        return false;
}

static bool wanted(Dwarf_Die *die, int tag) {
        Dwarf_Attribute a;
        bool decl = false;

        /* gdb lists a label without an address among the locals, as
         * <optimized out> (its dwarf2 reader makes it LOC_OPTIMIZED_OUT);
         * one with an address is LOC_LABEL, which bt full skips. */
        if (tag == DW_TAG_variable && dwarf_tag(die) == DW_TAG_label)
                return !dwarf_hasattr(die, DW_AT_low_pc) && dwarf_diename(die) != NULL;
        if (dwarf_tag(die) != tag)
                return false;
        if (dwarf_attr_integrate(die, DW_AT_declaration, &a))
                dwarf_formflag(&a, &decl);
        /* gdb makes no symbol for a nameless variable (VLA bounds) or an
         * extern declaration inside a function. */
        return !decl && dwarf_diename(die) != NULL;
}

/* A lexical block without an address range: gdb reads its children as
 * if they were its parent's (read_lexical_block_scope). */
static bool block_without_pc(Dwarf_Die *die) {
        return dwarf_tag(die) == DW_TAG_lexical_block && !dwarf_hasattr(die, DW_AT_low_pc) &&
               !dwarf_hasattr(die, DW_AT_ranges);
}

/* A variable that exists only in an abstract origin: no location in this
 * instance, unless it is a constant or has a location of its own there: a
 * static local of an inlined function, or its __PRETTY_FUNCTION__ (gdb's
 * inherit_abstract_dies reads such a DIE as any other). */
static int describe_abstract(const struct symb_frame_context *fc, Dwarf_Die *die, enum symb_var_kind kind,
                             const struct symb_value_limits *lim, struct symb_var *v) {
        Dwarf_Attribute a;
        Dwarf_Die type;
        const char *name;

        if (dwarf_attr(die, DW_AT_const_value, &a) || dwarf_attr(die, DW_AT_location, &a) ||
            dwarf_tag(die) == DW_TAG_label)
                return describe(fc, die, kind, lim, v);
        name = dwarf_diename(die);
        v->kind = kind;
        v->name = strdup(name ? name : "");
        v->type = symb_type_name(dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), &type) ? &type : NULL);
        if (!v->name || !v->type)
                return -ENOMEM;
        if (symb_name_masked(v->name, lim->mask)) {
                v->masked = true;
                return (v->value = strdup(SYMB_MASKED)) ? 0 : -ENOMEM;
        }
        return set_reason(v, SYMB_REASON_OPTIMIZED_OUT, NULL);
}

/* The variables (tag) among the children of die, in order; blocks
 * without an address range are read through. abstract: die belongs to an
 * abstract origin, whose variables have no location here. */
static int collect_children(const struct symb_frame_context *fc, Dwarf_Die *die, int tag, enum symb_var_kind kind,
                            bool abstract, int depth, const struct symb_value_limits *lim, struct symb_var **vars,
                            size_t *n_vars) {
        Dwarf_Die c;
        struct symb_var v = { 0 };
        unsigned k = 0;
        int r = 0;

        if (dwarf_child(die, &c) != 0)
                return 0;
        do {
                if (block_without_pc(&c) && tag == DW_TAG_variable) {
                        if (depth < MAX_BLOCK_DEPTH)
                                r = collect_children(fc, &c, tag, kind, abstract, depth + 1, lim, vars, n_vars);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!wanted(&c, tag))
                        continue;
                if (!room(lim, *n_vars))
                        return 0;
                r = abstract ? describe_abstract(fc, &c, kind, lim, &v) : describe(fc, &c, kind, lim, &v);
                if (r == 0)
                        r = append(lim, vars, n_vars, &v);
                if (r < 0) {
                        symb_var_clear(&v);
                        return r;
                }
        } while (++k < MAX_CHILDREN && dwarf_siblingof(&c, &c) == 0);
        return 0;
}

/* The parameters or the variables (tag) of one scope, with those only in
 * its abstract origin after the concrete ones, as gdb's
 * inherit_abstract_dies: an abstract variable no concrete child refers
 * to, and the variables of an abstract block no concrete block refers to
 * (a code path this instance does not have: glibc's futex wait keeps
 * SYSCALL_CANCEL's other branch there), each <optimized out> unless it is
 * a constant. */
static int collect_scope(const struct symb_frame_context *fc, Dwarf_Die *scope, int tag, enum symb_var_kind kind,
                         const struct symb_value_limits *lim, struct symb_var **vars, size_t *n_vars) {
        Dwarf_Die c, origin;
        struct symb_var v = { 0 };
        unsigned k = 0;
        bool iso;
        int r;

        r = collect_children(fc, scope, tag, kind, false, 0, lim, vars, n_vars);
        if (r < 0 || !abstract_origin(scope, &origin) || dwarf_child(&origin, &c) != 0)
                return r;
        iso = isomorphic(scope, &origin);
        do {
                if (tag == DW_TAG_variable && dwarf_tag(&c) == DW_TAG_lexical_block &&
                    !has_concrete(scope, &c, k, iso)) {
                        r = collect_children(fc, &c, tag, kind, true, 1, lim, vars, n_vars);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!wanted(&c, tag) || has_concrete(scope, &c, k, iso))
                        continue;
                if (!room(lim, *n_vars))
                        return 0;
                r = describe_abstract(fc, &c, kind, lim, &v);
                if (r == 0)
                        r = append(lim, vars, n_vars, &v);
                if (r < 0) {
                        symb_var_clear(&v);
                        return r;
                }
        } while (++k < MAX_CHILDREN && dwarf_siblingof(&c, &c) == 0);
        return 0;
}

/* gdb keeps a block with no function of its own in a hashed dictionary
 * (block-order.c). */
static bool hashed_block(Dwarf_Die *scope) {
        int tag = dwarf_tag(scope);

        return tag == DW_TAG_lexical_block || tag == DW_TAG_try_block || tag == DW_TAG_catch_block;
}

int symb_collect_vars(const struct symb_frame_context *fc, Dwarf_Die *scopes, size_t n_scopes,
                      const struct symb_value_limits *lim, struct symb_var **vars, size_t *n_vars) {
        int r;

        if (!fc || !fc->module || n_scopes == 0)
                return 0;
        r = collect_scope(fc, &scopes[n_scopes - 1], DW_TAG_formal_parameter, SYMB_VAR_PARAM, lim, vars, n_vars);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_scopes; i++) {
                size_t start = *n_vars, nsyms;
                Dwarf_Die origin;

                r = collect_scope(fc, &scopes[i], DW_TAG_variable, SYMB_VAR_LOCAL, lim, vars, n_vars);
                if (r < 0)
                        return r;
                if (!hashed_block(&scopes[i]))
                        continue;
                nsyms = *n_vars - start + symb_block_silent_symbols(&scopes[i]);
                if (abstract_origin(&scopes[i], &origin))
                        nsyms += symb_block_silent_symbols(&origin);
                r = symb_block_order(*vars + start, *n_vars - start, nsyms, &scopes[i]);
                if (r < 0)
                        return -ENOMEM;
        }
        return 0;
}
