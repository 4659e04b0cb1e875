/* SPDX-License-Identifier: MIT */
/* symbolicate/printers-lib.h: what the library printers share
 * (printers-libstdcxx.c, printers-libcxx.c): the value being printed,
 * gdb's print_children state and rules, a table entry, and the helpers
 * that read a container's own fields by DWARF name. Internal to the two
 * files; values.c sees printers.h only. */
#pragma once

#include "printers.h"

enum hint { HINT_NONE, HINT_ARRAY, HINT_MAP };

/* One value being printed by a library printer. */
struct lv {
        struct printer *p;
        Dwarf_Die t;                    /* its type, peeled */
        const struct symb_value *v;
        uint64_t off;                   /* its first byte in v */
        int recurse;
        const char *name;               /* the printer's name: "std::vector" */
        const char *full;               /* the type's whole name */
};

/* gdb's print_children state. */
struct kids {
        struct printer *p;
        int recurse;
        enum hint hint;
        bool no_text;                   /* to_string gave None: no " = " first */
        unsigned i;                     /* children printed (a map's keys and values apart) */
        bool stopped;                   /* max-depth reached: "{...}" and nothing more */
};

struct lib_printer {
        const char *name;               /* the DWARF name less its arguments */
        /* Prints to_string; false when it cannot (nothing printed, the
         * raw structure is printed instead). *none: to_string is None. */
        bool (*to_string)(struct lv *x, bool *none);
        /* Walks the children into k; NULL: the printer has none. */
        void (*children)(struct lv *x, struct kids *k);
        enum hint hint;
        const char *shown;              /* the name printed (lv.name), if not name: "std::vector" for "std::__1::vector" */
        bool single;                    /* an optional: its value's hint is its own */
};

/* printers-libcxx.c's table. */
extern const struct lib_printer libcxx_printers[];
extern const size_t libcxx_n_printers;

/* ---- gdb's print_children (printers-libstdcxx.c) ---- */

/* Whether child k->i may be printed (print elements). */
bool kids_room(const struct kids *k);
/* The separator and label before child k->i; false if max-depth stops
 * the children here ("{...}" printed). */
bool kid_open(struct kids *k, const char *label);
void kid_close(struct kids *k);
/* A child's value at addr in memory; false when none of it is in the
 * dump (its marker printed: the walk stops there). */
bool kid_value_at(struct kids *k, Dwarf_Die *type, uint64_t addr);
void kid_value_in(struct kids *k, Dwarf_Die *type, const struct symb_value *v, uint64_t off);
/* One child that is an error or a marker, after which the walk ends. */
void kid_error(struct kids *k, const char *label, const char *what);
void kids_end(struct kids *k, bool exhausted);

/* ---- the container's own fields ---- */

/* Member path "a.b.c" of x's type (through bases and anonymous unions):
 * its type and offset in x. */
bool lv_member(const struct lv *x, const char *path, Dwarf_Die *type, uint64_t *off);
/* An integer or pointer member, wholly known. */
bool lv_u64(const struct lv *x, const char *path, uint64_t *ret);
/* What a pointer type points to. */
bool pointee(Dwarf_Die *ptr_type, Dwarf_Die *ret);
bool member_pointee(const struct lv *x, const char *path, Dwarf_Die *ret);
bool targ_type(struct lv *x, unsigned n, Dwarf_Die *ret);
/* A link of a node-based container: the pointer at addr. */
bool read_ptr(const struct lv *x, uint64_t addr, uint64_t *ret);
/* "1 element", "3 elements" in buf. */
const char *elements(uint64_t n, char *buf, size_t len);
bool is_bool(Dwarf_Die *type);

/* Nodes seen in one walk, to tell a cycle from a long list: at most one
 * more than print elements are ever visited. Free a. */
struct seen {
        uint64_t *a;
        size_t n, cap;
};

/* True if addr was seen before (a cycle); false and remembered if not. */
bool seen_before(struct seen *s, uint64_t addr);

/* ---- names and wrapped values ---- */

/* A type's name as printers.py prints it ("std::string"); free it. */
char *recognize(Dwarf_Die *type);
/* The printer of t (either library), its name in *name and the type's
 * whole name in *full (free it). */
const struct lib_printer *find_printer(Dwarf_Die *t, char **full, const char **name);

/* SingleObjContainerPrinter: std::optional, std::variant. */
struct single {
        bool engaged;
        Dwarf_Die type;
        uint64_t off;                   /* in x->v */
        char *typename;                 /* "std::optional<int>" */
        long index;                     /* a variant's */
};

bool single_to_string(struct lv *x, bool (*read)(struct lv *x, struct single *s), bool variant);
void single_children(struct lv *x, struct kids *k, bool (*read)(struct lv *x, struct single *s));
