/* SPDX-License-Identifier: MIT */
/* symbolicate/printers-libstdcxx.c: libstdc++'s types as gdb 13 prints
 * them with the printers GCC 12 installs (libstdcxx/v6/printers.py,
 * Debian's libstdc++6): "std::vector of length 3, capacity 4 = {1, 2, 3}",
 * "std::map with 2 elements = {["a"] = 1, ["b"] = 2}", "hello".
 *
 * A printer is found by the type's name, as printers.py's lookup does
 * (the tag without its template arguments, typedefs peeled), and reads
 * the type's own layout from DWARF: members by name through the bases,
 * element types from the template parameters, a node's value after its
 * links at the value type's alignment (where __aligned_membuf puts it).
 * Nothing is guessed from the contents. What the dump lacks prints
 * <unavailable> and ends the walk; a corrupt container (a cycle, an end
 * before its start) says so and stops. Every walk is bounded by gdb's
 * `print elements` (200 children) and `print max-depth`.
 *
 * Adding a type is one entry in `printers` below: its name, its
 * to_string, its children (NULL if none) and gdb's display hint. The
 * children are printed by the rules of gdb's print_children
 * (python/py-prettyprint.c), in kids_*() here. */
#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printers-lib.h"

/* Steps of one RB-tree successor search (a tree of 2^64 nodes is 128
 * deep): more is a corrupt tree. */
#define MAX_TREE_STEPS 256


/* ---- gdb's print_children ---- */

/* Whether child k->i may be printed: gdb's loop stops at print elements
 * (and then says "..."). */
bool kids_room(const struct kids *k) {
        return !k->stopped && !pv_failed(k->p) && k->i < pv_max_elements(k->p);
}

/* The separator and label before child k->i; false if max-depth stops
 * the children here ("{...}" printed). */
bool kid_open(struct kids *k, const char *label) {
        bool key = k->hint == HINT_MAP && k->i % 2 == 0;

        if (k->i == 0) {
                if (!k->no_text)
                        pv_puts(k->p, " = ");
        } else if (k->hint != HINT_MAP || k->i % 2 == 0) {
                pv_puts(k->p, ", ");
        }
        if (k->recurse >= (int) pv_max_depth(k->p)) {
                pv_puts(k->p, "{...}");
                k->stopped = true;
                return false;
        }
        if (k->i == 0)
                pv_puts(k->p, "{");
        if (key)
                pv_puts(k->p, "[");
        else if (k->hint == HINT_NONE)
                pv_printf(k->p, "%s = ", label);
        return true;
}

void kid_close(struct kids *k) {
        if (k->hint == HINT_MAP && k->i % 2 == 0)
                pv_puts(k->p, "] = ");
        k->i++;
}

/* A child's value at addr in memory; false when none of it is in the
 * dump (its marker printed: the walk stops there). A map's key is
 * printed one level up: gdb gives keys one more level of max-depth. */
bool kid_value_at(struct kids *k, Dwarf_Die *type, uint64_t addr) {
        int recurse = k->hint == HINT_MAP && k->i % 2 == 0 ? k->recurse : k->recurse + 1;

        return pv_value_at(k->p, type, addr, recurse) == SYMB_REASON_NONE;
}

void kid_value_in(struct kids *k, Dwarf_Die *type, const struct symb_value *v, uint64_t off) {
        int recurse = k->hint == HINT_MAP && k->i % 2 == 0 ? k->recurse : k->recurse + 1;

        pv_value(k->p, type, v, off, recurse);
}

/* One child that is an error or a marker, after which the walk ends. */
void kid_error(struct kids *k, const char *label, const char *what) {
        enum hint hint = k->hint;

        if (!kids_room(k))
                return;
        /* A whole child, never inside a map's "[key]". */
        if (hint == HINT_MAP && k->i % 2 == 1)
                k->i++;
        if (hint == HINT_MAP)
                k->hint = HINT_ARRAY;
        if (kid_open(k, label)) {
                pv_puts(k->p, what);
                k->i++;
        }
        k->hint = hint;
}

void kids_end(struct kids *k, bool exhausted) {
        if (k->stopped || k->i == 0)
                return;
        if (!exhausted)
                pv_puts(k->p, "...");
        pv_puts(k->p, "}");
}

/* ---- reading the container's own fields ---- */

/* Member path "a.b.c" of x's type: its type and offset in x. */
bool lv_member(const struct lv *x, const char *path, Dwarf_Die *type, uint64_t *off) {
        Dwarf_Die t = x->t;
        uint64_t total = 0;
        char part[64];

        while (*path) {
                const char *dot = strchr(path, '.');
                size_t n = dot ? (size_t) (dot - path) : strlen(path);
                uint64_t o;

                if (n >= sizeof part)
                        return false;
                memcpy(part, path, n);
                part[n] = 0;
                if (!pv_member(x->p, &t, part, &t, &o))
                        return false;
                total += o;
                path += n + (dot != NULL);
        }
        *type = t;
        *off = total;
        return true;
}

/* An integer or pointer member, wholly known. */
bool lv_u64(const struct lv *x, const char *path, uint64_t *ret) {
        Dwarf_Die type;
        uint64_t off;
        int64_t size;

        if (!lv_member(x, path, &type, &off) || (size = pv_type_size(x->p, &type)) < 1 || size > 8)
                return false;
        return pv_get(x->v, x->off + off, (unsigned) size, ret);
}

/* What a pointer member points to: its type. */
bool pointee(Dwarf_Die *ptr_type, Dwarf_Die *ret) {
        Dwarf_Die t;

        return pv_peel(ptr_type, &t) && dwarf_tag(&t) == DW_TAG_pointer_type && pv_die_type(&t, ret);
}

bool member_pointee(const struct lv *x, const char *path, Dwarf_Die *ret) {
        Dwarf_Die type;
        uint64_t off;

        return lv_member(x, path, &type, &off) && pointee(&type, ret);
}

bool targ_type(struct lv *x, unsigned n, Dwarf_Die *ret) {
        return pv_template_arg(&x->t, n, ret, NULL) == PV_TARG_TYPE;
}

static int64_t size_of(const struct lv *x, Dwarf_Die *type) {
        return pv_type_size(x->p, type);
}

static uint64_t round_up(uint64_t n, uint64_t align) {
        return align > 1 ? (n + align - 1) / align * align : n;
}

/* A link of a node-based container: the pointer at addr + off. */
bool read_ptr(const struct lv *x, uint64_t addr, uint64_t *ret) {
        return pv_read(x->p, addr, ret, sizeof *ret);
}

/* Where a node holds its value: after its links (the base the node
 * derives from), at the value's alignment. */
static uint64_t node_value_offset(const struct lv *x, Dwarf_Die *node_base, Dwarf_Die *value) {
        int64_t links = size_of(x, node_base);

        return round_up(links > 0 ? (uint64_t) links : 0, pv_type_align(value));
}

const char *elements(uint64_t n, char *buf, size_t len) {
        if (n == 1)
                return "1 element";
        snprintf(buf, len, "%" PRIu64 " elements", n);
        return buf;
}

/* True if addr was seen before (a cycle); false and remembered if not. */
bool seen_before(struct seen *s, uint64_t addr) {
        for (size_t i = 0; i < s->n; i++)
                if (s->a[i] == addr)
                        return true;
        if (s->n == s->cap) {
                size_t cap = s->cap ? 2 * s->cap : 64;
                uint64_t *a = realloc(s->a, cap * sizeof *a);

                if (!a)
                        return false;
                s->a = a;
                s->cap = cap;
        }
        s->a[s->n++] = addr;
        return false;
}

/* ---- the names printers.py prints: str(type) and its type printers ---- */

static void strip(char *s, const char *what) {
        size_t n = strlen(what);

        for (char *q; (q = strstr(s, what));)
                memmove(q, q + n, strlen(q + n) + 1);
}

/* Two type names for the same type, as gdb's lookup_type would compare
 * them: spacing aside. */
static bool same_name(const char *a, const char *b) {
        for (;;) {
                while (*a == ' ')
                        a++;
                while (*b == ' ')
                        b++;
                if (*a != *b)
                        return false;
                if (!*a)
                        return true;
                a++, b++;
        }
}


/* TemplateTypePrinter: a container whose defaulted arguments are the
 * defaults, printed without them ("std::vector<int>"). defaults[n]: the
 * default of argument n, with %0 and %1 for arguments 0 and 1. */
struct template_default {
        const char *name;
        const char *defaults[5];
};

static const struct template_default template_defaults[] = {
        { "std::unique_ptr", { NULL, "std::default_delete<%0>" } },
        { "std::deque", { NULL, "std::allocator<%0>" } },
        { "std::forward_list", { NULL, "std::allocator<%0>" } },
        { "std::list", { NULL, "std::allocator<%0>" } },
        { "std::__cxx11::list", { NULL, "std::allocator<%0>" } },
        { "std::vector", { NULL, "std::allocator<%0>" } },
        { "std::map", { NULL, NULL, "std::less<%0>", "std::allocator<std::pair<%0 const, %1>>" } },
        { "std::multimap", { NULL, NULL, "std::less<%0>", "std::allocator<std::pair<%0 const, %1>>" } },
        { "std::set", { NULL, "std::less<%0>", "std::allocator<%0>" } },
        { "std::multiset", { NULL, "std::less<%0>", "std::allocator<%0>" } },
        { "std::unordered_map",
          { NULL, NULL, "std::hash<%0>", "std::equal_to<%0>", "std::allocator<std::pair<%0 const, %1>>" } },
        { "std::unordered_multimap",
          { NULL, NULL, "std::hash<%0>", "std::equal_to<%0>", "std::allocator<std::pair<%0 const, %1>>" } },
        { "std::unordered_set", { NULL, "std::hash<%0>", "std::equal_to<%0>", "std::allocator<%0>" } },
        { "std::unordered_multiset", { NULL, "std::hash<%0>", "std::equal_to<%0>", "std::allocator<%0>" } },
};

/* A default with %0/%1 replaced by the raw names of arguments 0 and 1. */
static char *expand_default(const char *fmt, const char *a0, const char *a1) {
        size_t len = strlen(fmt) + 2 * (strlen(a0) + strlen(a1)) + 1;
        char *s = malloc(len), *o = s;

        if (!s)
                return NULL;
        for (const char *f = fmt; *f; f++) {
                if (f[0] == '%' && (f[1] == '0' || f[1] == '1')) {
                        const char *a = f[1] == '0' ? a0 : a1;

                        memcpy(o, a, strlen(a));
                        o += strlen(a);
                        f++;
                } else {
                        *o++ = *f;
                }
        }
        *o = 0;
        return s;
}

/* _recognize_subtype: pointers, references and arrays taken apart. */
static char *recognize_subtype(Dwarf_Die *type) {
        Dwarf_Die t = *type, target;
        const char *suffix = NULL;
        char *inner, *s;

        switch (dwarf_tag(&t)) {
        case DW_TAG_pointer_type:
                suffix = "*";
                break;
        case DW_TAG_reference_type:
                suffix = "&";
                break;
        case DW_TAG_rvalue_reference_type:
                suffix = "&&";
                break;
        default:
                return recognize(type);
        }
        if (!pv_die_type(&t, &target))
                return NULL;
        inner = recognize_subtype(&target);
        if (!inner || asprintf(&s, "%s%s", inner, suffix) < 0)
                s = NULL;
        free(inner);
        return s;
}

static char *recognize_template(Dwarf_Die *t, const char *tag) {
        const struct template_default *d = NULL;
        char *args[8] = { NULL }, *out = NULL, *a0 = NULL, *a1 = NULL, *name;
        size_t n = 0, shown = 0, len;
        bool defaulted = false;
        const char *lt = strchr(tag, '<');

        for (size_t i = 0; i < sizeof template_defaults / sizeof template_defaults[0]; i++) {
                size_t k = strlen(template_defaults[i].name);

                if (strncmp(tag, template_defaults[i].name, k) == 0)
                        d = &template_defaults[i];
                if (d)
                        break;
        }
        if (!d || !lt)
                return NULL;
        {
                Dwarf_Die a;

                if (pv_template_arg(t, 0, &a, NULL) == PV_TARG_TYPE)
                        a0 = symb_type_name(&a);
                if (pv_template_arg(t, 1, &a, NULL) == PV_TARG_TYPE)
                        a1 = symb_type_name(&a);
        }
        for (n = 0; n < 8; n++) {
                Dwarf_Die a;
                const char *def = n < 5 ? d->defaults[n] : NULL;
                char *raw;

                if (pv_template_arg(t, (unsigned) n, &a, NULL) != PV_TARG_TYPE)
                        break;
                if (def) {
                        char *want = expand_default(def, a0 ? a0 : "", a1 ? a1 : "");
                        bool same;

                        raw = symb_type_name(&a);
                        same = want && raw && same_name(want, raw);
                        free(want);
                        free(raw);
                        if (!same)
                                goto out;
                        defaulted = true;
                } else if (defaulted) {
                        goto out;
                } else if (!(args[shown++] = recognize_subtype(&a))) {
                        goto out;
                }
        }
        name = strndup(tag, (size_t) (lt - tag));
        if (!name)
                goto out;
        strip(name, "__cxx11::");
        len = strlen(name) + 3;
        for (size_t i = 0; i < shown; i++)
                len += strlen(args[i]) + 2;
        out = malloc(len);
        if (out) {
                strcpy(out, name);
                strcat(out, "<");
                for (size_t i = 0; i < shown; i++) {
                        if (i)
                                strcat(out, ", ");
                        strcat(out, args[i]);
                }
                strcat(out, ">");
        }
        free(name);
out:
        for (size_t i = 0; i < shown; i++)
                free(args[i]);
        free(a0);
        free(a1);
        return out;
}

/* gdb.types.apply_type_recognizers with libstdc++'s type printers, else
 * str(type): the names in std::optional<...> and std::variant<...>. */
char *recognize(Dwarf_Die *type) {
        static const struct {
                const char *tag, *name;
        } strings[] = {
                { "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string" },
                { "std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string" },
                { "std::__cxx11::basic_string<wchar_t, std::char_traits<wchar_t>, std::allocator<wchar_t> >",
                  "std::wstring" },
                { "std::__cxx11::basic_string<char8_t, std::char_traits<char8_t>, std::allocator<char8_t> >",
                  "std::u8string" },
                { "std::__cxx11::basic_string<char16_t, std::char_traits<char16_t>, std::allocator<char16_t> >",
                  "std::u16string" },
                { "std::__cxx11::basic_string<char32_t, std::char_traits<char32_t>, std::allocator<char32_t> >",
                  "std::u32string" },
                /* libc++'s (printers-libcxx.c), as the same type printers would name them. */
                { "std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char> >", "std::string" },
                { "std::__1::basic_string<wchar_t, std::__1::char_traits<wchar_t>, std::__1::allocator<wchar_t> >",
                  "std::wstring" },
                { "std::basic_string_view<char, std::char_traits<char> >", "std::string_view" },
                { "std::basic_string_view<wchar_t, std::char_traits<wchar_t> >", "std::wstring_view" },
        };
        char *tag = symb_type_name(type), *r;
        int kind = dwarf_tag(type);

        if (!tag || (kind != DW_TAG_structure_type && kind != DW_TAG_class_type && kind != DW_TAG_union_type))
                return tag;
        for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
                if (same_name(tag, strings[i].tag)) {
                        free(tag);
                        return strdup(strings[i].name);
                }
        r = recognize_template(type, tag);
        if (r) {
                free(tag);
                return r;
        }
        return tag;
}

/* ---- strings ---- */

static bool string_to_string(struct lv *x, bool *none) {
        Dwarf_Die ptype, ctype;
        uint64_t poff, ptr, len;

        (void) none;
        if (!lv_member(x, "_M_dataplus._M_p", &ptype, &poff) || !pointee(&ptype, &ctype) ||
            !pv_get(x->v, x->off + poff, 8, &ptr))
                return false;
        if (strstr(x->full, "::__cxx11::basic_string")) {
                Dwarf_Die bt;
                uint64_t boff, cap;
                int64_t w = size_of(x, &ctype);

                if (!lv_u64(x, "_M_string_length", &len))
                        return false;
                /* Longer than its buffer: a corrupt string, not 200
                 * characters of whatever follows. The buffer is the
                 * object's own (15 bytes' worth) or holds
                 * _M_allocated_capacity characters. */
                if (x->v->has_addr && lv_member(x, "_M_local_buf", &bt, &boff) && w > 0 &&
                    ptr == x->v->addr + x->off + boff)
                        cap = (uint64_t) (size_of(x, &bt) / w) - 1;
                else if (!lv_u64(x, "_M_allocated_capacity", &cap))
                        cap = UINT64_MAX;
                if (len > cap) {
                        pv_printf(x->p, "<error: a corrupt std::string: length %" PRIu64 ", capacity %" PRIu64 ">",
                                  len, cap);
                        return true;
                }
        } else {
                /* The copy-on-write string: its length is in the _Rep
                 * before the characters (length, capacity, refcount). */
                if (!pv_read(x->p, ptr - 24, &len, sizeof len))
                        return false;
        }
        pv_string_at(x->p, ptr, len, &ctype);
        return true;
}

static bool string_view_to_string(struct lv *x, bool *none) {
        Dwarf_Die ctype;
        uint64_t ptr, len;

        (void) none;
        if (!member_pointee(x, "_M_str", &ctype) || !lv_u64(x, "_M_str", &ptr) || !lv_u64(x, "_M_len", &len))
                return false;
        pv_string_at(x->p, ptr, len, &ctype);
        return true;
}

/* ---- std::vector ---- */

bool is_bool(Dwarf_Die *type) {
        Dwarf_Die t;
        Dwarf_Attribute a;
        Dwarf_Word enc;

        return pv_peel(type, &t) && dwarf_tag(&t) == DW_TAG_base_type &&
               dwarf_formudata(dwarf_attr(&t, DW_AT_encoding, &a), &enc) == 0 && enc == DW_ATE_boolean;
}

struct vec {
        Dwarf_Die elem;
        uint64_t esize;
        uint64_t start, finish, end, finish_bit;
        bool bits;
};

static bool vector_read(struct lv *x, struct vec *s) {
        Dwarf_Die e;
        int64_t es;

        if (!targ_type(x, 0, &e))
                return false;
        s->bits = is_bool(&e);
        if (s->bits) {
                if (!member_pointee(x, "_M_impl._M_start._M_p", &s->elem) ||
                    !lv_u64(x, "_M_impl._M_start._M_p", &s->start) || !lv_u64(x, "_M_impl._M_finish._M_p", &s->finish) ||
                    !lv_u64(x, "_M_impl._M_finish._M_offset", &s->finish_bit) ||
                    !lv_u64(x, "_M_impl._M_end_of_storage", &s->end))
                        return false;
        } else if (!member_pointee(x, "_M_impl._M_start", &s->elem) || !lv_u64(x, "_M_impl._M_start", &s->start) ||
                   !lv_u64(x, "_M_impl._M_finish", &s->finish) || !lv_u64(x, "_M_impl._M_end_of_storage", &s->end)) {
                return false;
        }
        es = size_of(x, &s->elem);
        if (es <= 0)
                return false;
        s->esize = (uint64_t) es;
        return true;
}

/* A count as printers.py computes it, in Python's unbounded integers:
 * corrupt pointers make it overflow 64 bits. */
static const char *big(__int128 v, char *buf, size_t len) {
        unsigned __int128 u = v < 0 ? -(unsigned __int128) v : (unsigned __int128) v;
        size_t n = len;

        buf[--n] = 0;
        do {
                buf[--n] = (char) ('0' + (int) (u % 10));
                u /= 10;
        } while (u && n > 1);
        if (v < 0 && n > 0)
                buf[--n] = '-';
        return buf + n;
}

/* gdb's pointer difference: in elements, truncated toward zero. */
static int64_t ptr_diff(uint64_t a, uint64_t b, uint64_t size) {
        return (int64_t) (a - b) / (int64_t) size;
}

static bool vector_to_string(struct lv *x, bool *none) {
        struct vec s;

        (void) none;
        if (!vector_read(x, &s))
                return false;
        if (s.bits) {
                __int128 bl = 8 * (__int128) s.esize;
                char a[48], b[48];

                pv_printf(x->p, "%s<bool> of length %s, capacity %s", x->name,
                          big(bl * ptr_diff(s.finish, s.start, s.esize) + (__int128) s.finish_bit, a, sizeof a),
                          big(bl * ptr_diff(s.end, s.start, s.esize), b, sizeof b));
        } else {
                pv_printf(x->p, "%s of length %" PRId64 ", capacity %" PRId64, x->name,
                          ptr_diff(s.finish, s.start, s.esize), ptr_diff(s.end, s.start, s.esize));
        }
        return true;
}

static void vector_children(struct lv *x, struct kids *k) {
        struct vec s;
        uint64_t item, bit = 0, word = 0;
        bool have_word = false;

        if (!vector_read(x, &s))
                return;
        if (s.finish < s.start || s.end < s.finish) {
                kid_error(k, "", "<error: a corrupt std::vector: its end is before its start>");
                kids_end(k, true);
                return;
        }
        for (item = s.start;; ) {
                if (!kids_room(k)) {
                        kids_end(k, false);
                        return;
                }
                if (s.bits ? item == s.finish && bit >= s.finish_bit : item >= s.finish)
                        break;
                if (!kid_open(k, ""))
                        return;
                if (s.bits) {
                        if (!have_word && !pv_read(x->p, item, &word, s.esize > 8 ? 8 : s.esize)) {
                                pv_marker(k->p, SYMB_REASON_UNAVAILABLE);
                                k->i++;
                                break;
                        }
                        have_word = true;
                        pv_puts(k->p, word >> bit & 1 ? "true" : "false");
                        if (++bit >= 8 * s.esize) {
                                item += s.esize;
                                bit = 0;
                                have_word = false;
                        }
                } else {
                        if (!kid_value_at(k, &s.elem, item)) {
                                k->i++;
                                break;
                        }
                        item += s.esize;
                }
                kid_close(k);
        }
        kids_end(k, true);
}

/* ---- std::deque ---- */

struct deq {
        Dwarf_Die elem;
        uint64_t esize, buffer;
        uint64_t s_cur, s_first, s_last, s_node, e_cur, e_first, e_last, e_node;
};

static bool deque_read(struct lv *x, struct deq *d) {
        int64_t es;

        if (!targ_type(x, 0, &d->elem) || (es = size_of(x, &d->elem)) <= 0)
                return false;
        d->esize = (uint64_t) es;
        d->buffer = d->esize < 512 ? 512 / d->esize : 1;
        return lv_u64(x, "_M_impl._M_start._M_cur", &d->s_cur) && lv_u64(x, "_M_impl._M_start._M_first", &d->s_first) &&
               lv_u64(x, "_M_impl._M_start._M_last", &d->s_last) && lv_u64(x, "_M_impl._M_start._M_node", &d->s_node) &&
               lv_u64(x, "_M_impl._M_finish._M_cur", &d->e_cur) && lv_u64(x, "_M_impl._M_finish._M_first", &d->e_first) &&
               lv_u64(x, "_M_impl._M_finish._M_last", &d->e_last) && lv_u64(x, "_M_impl._M_finish._M_node", &d->e_node);
}

static bool deque_to_string(struct lv *x, bool *none) {
        struct deq d;
        __int128 size;
        char buf[48];

        (void) none;
        if (!deque_read(x, &d))
                return false;
        size = (__int128) d.buffer * ((__int128) ptr_diff(d.e_node, d.s_node, 8) - 1) +
               ptr_diff(d.s_last, d.s_cur, d.esize) + ptr_diff(d.e_cur, d.e_first, d.esize);
        if (size == 1)
                pv_printf(x->p, "%s with 1 element", x->name);
        else
                pv_printf(x->p, "%s with %s elements", x->name, big(size, buf, sizeof buf));
        return true;
}

static void deque_children(struct lv *x, struct kids *k) {
        struct deq d;
        uint64_t p, end, node;

        if (!deque_read(x, &d))
                return;
        p = d.s_cur, end = d.s_last, node = d.s_node;
        for (;;) {
                if (!kids_room(k)) {
                        kids_end(k, false);
                        return;
                }
                if (p == d.e_cur)
                        break;
                if (!kid_open(k, ""))
                        return;
                if (!kid_value_at(k, &d.elem, p)) {
                        k->i++;
                        break;
                }
                kid_close(k);
                p += d.esize;
                if (p == end) {
                        node += 8;
                        if (!read_ptr(x, node, &p)) {
                                kid_error(k, "", "<unavailable>");
                                break;
                        }
                        end = p + d.buffer * d.esize;
                }
        }
        kids_end(k, true);
}

/* ---- std::list and std::forward_list ---- */

struct linked {
        Dwarf_Die value, node_base;
        uint64_t head;                  /* the address that ends a list's walk */
        uint64_t first;                 /* the first node, or head / 0 if none */
        uint64_t next_off;              /* the link in a node */
        uint64_t value_off;             /* the value in a node */
};

static bool linked_read(struct lv *x, const char *head_path, bool circular, struct linked *l) {
        Dwarf_Die htype, ntype;
        char path[64];
        uint64_t hoff;

        snprintf(path, sizeof path, "%s._M_next", head_path);
        if (!targ_type(x, 0, &l->value) || !lv_member(x, head_path, &htype, &hoff) ||
            !member_pointee(x, path, &l->node_base) || !lv_u64(x, path, &l->first) ||
            !pv_member(x->p, &l->node_base, "_M_next", &ntype, &l->next_off))
                return false;
        if (circular) {
                /* The walk ends back at the header inside the object. */
                if (!x->v->has_addr)
                        return false;
                l->head = x->v->addr + x->off + hoff;
        } else {
                l->head = 0;
        }
        l->value_off = node_value_offset(x, &l->node_base, &l->value);
        return true;
}

static bool list_to_string(struct lv *x, bool *none) {
        struct linked l;

        (void) none;
        if (!linked_read(x, "_M_impl._M_node", true, &l))
                return false;
        pv_printf(x->p, "%s%s", l.first == l.head ? "empty " : "", x->name);
        return true;
}

static bool fwd_list_to_string(struct lv *x, bool *none) {
        struct linked l;

        (void) none;
        if (!linked_read(x, "_M_impl._M_head", false, &l))
                return false;
        pv_printf(x->p, "%s%s", l.first == 0 ? "empty " : "", x->name);
        return true;
}

static void linked_children(struct lv *x, struct kids *k, const char *head_path, bool circular) {
        struct linked l;
        struct seen seen = { 0 };
        uint64_t node;
        char label[32];

        if (!linked_read(x, head_path, circular, &l))
                return;
        for (node = l.first;;) {
                if (!kids_room(k)) {
                        kids_end(k, false);
                        goto out;
                }
                if (node == l.head)
                        break;
                snprintf(label, sizeof label, "[%u]", k->i);
                if (seen_before(&seen, node)) {
                        kid_error(k, label, "<error: the list's links go round in a cycle>");
                        break;
                }
                if (!kid_open(k, label))
                        goto out;
                if (!kid_value_at(k, &l.value, node + l.value_off)) {
                        k->i++;
                        break;
                }
                kid_close(k);
                if (!read_ptr(x, node + l.next_off, &node)) {
                        snprintf(label, sizeof label, "[%u]", k->i);
                        kid_error(k, label, "<unavailable>");
                        break;
                }
        }
        kids_end(k, true);
out:
        free(seen.a);
}

static void list_children(struct lv *x, struct kids *k) {
        linked_children(x, k, "_M_impl._M_node", true);
}

static void fwd_list_children(struct lv *x, struct kids *k) {
        linked_children(x, k, "_M_impl._M_head", false);
}

/* ---- std::map, std::set and their multi forms (_Rb_tree) ---- */

struct tree {
        Dwarf_Die value, node_base;
        uint64_t count, leftmost;
        uint64_t parent_off, left_off, right_off, value_off;
};

static bool tree_read(struct lv *x, struct tree *t) {
        Dwarf_Die tt, m;
        uint64_t toff;

        if (!lv_member(x, "_M_t", &tt, &toff) || !pv_peel(&tt, &tt) ||
            pv_template_arg(&tt, 1, &t->value, NULL) != PV_TARG_TYPE ||
            !lv_member(x, "_M_t._M_impl._M_header", &t->node_base, &toff) ||
            !lv_u64(x, "_M_t._M_impl._M_node_count", &t->count) ||
            !lv_u64(x, "_M_t._M_impl._M_header._M_left", &t->leftmost) ||
            !pv_member(x->p, &t->node_base, "_M_parent", &m, &t->parent_off) ||
            !pv_member(x->p, &t->node_base, "_M_left", &m, &t->left_off) ||
            !pv_member(x->p, &t->node_base, "_M_right", &m, &t->right_off))
                return false;
        t->value_off = node_value_offset(x, &t->node_base, &t->value);
        return true;
}

static bool tree_to_string(struct lv *x, bool *none) {
        struct tree t;
        char buf[32];

        (void) none;
        if (!tree_read(x, &t))
                return false;
        pv_printf(x->p, "%s with %s", x->name, elements(t.count, buf, sizeof buf));
        return true;
}

/* RbtreeIterator's successor of node (in-order). 0: done; 1: *node is
 * the next; -1 unreadable; -2 corrupt. */
static int tree_next(struct lv *x, const struct tree *t, uint64_t *node) {
        uint64_t n = *node, r, l, parent, pr;
        int steps = 0;

        if (!read_ptr(x, n + t->right_off, &r))
                return -1;
        if (r) {
                n = r;
                for (;;) {
                        if (!read_ptr(x, n + t->left_off, &l))
                                return -1;
                        if (!l)
                                break;
                        n = l;
                        if (++steps > MAX_TREE_STEPS)
                                return -2;
                }
        } else {
                if (!read_ptr(x, n + t->parent_off, &parent))
                        return -1;
                for (;;) {
                        if (!read_ptr(x, parent + t->right_off, &pr))
                                return -1;
                        if (n != pr)
                                break;
                        n = parent;
                        if (!read_ptr(x, parent + t->parent_off, &parent))
                                return -1;
                        if (++steps > MAX_TREE_STEPS)
                                return -2;
                }
                if (!read_ptr(x, n + t->right_off, &r))
                        return -1;
                if (r != parent)
                        n = parent;
        }
        *node = n;
        return 1;
}

static void tree_walk(struct lv *x, struct kids *k, bool is_map) {
        struct tree t;
        Dwarf_Die ktype, vtype;
        uint64_t koff = 0, voff = 0, node, count = 0;
        struct seen seen = { 0 };
        char label[32];

        if (!tree_read(x, &t))
                return;
        if (is_map && (!pv_member(x->p, &t.value, "first", &ktype, &koff) ||
                       !pv_member(x->p, &t.value, "second", &vtype, &voff))) {
                kid_error(k, "", "<error: a map whose values are not pairs>");
                kids_end(k, true);
                return;
        }
        for (node = t.leftmost; count < t.count;) {
                int r;

                if (!kids_room(k)) {
                        kids_end(k, false);
                        goto out;
                }
                snprintf(label, sizeof label, "[%u]", k->i);
                if (seen_before(&seen, node)) {
                        kid_error(k, label, "<error: the tree's links go round in a cycle>");
                        break;
                }
                if (!kid_open(k, label))
                        goto out;
                if (is_map) {
                        if (!kid_value_at(k, &ktype, node + t.value_off + koff)) {
                                k->i++;
                                break;
                        }
                        kid_close(k);
                        if (!kids_room(k)) {
                                kids_end(k, false);
                                goto out;
                        }
                        if (!kid_open(k, ""))
                                goto out;
                        if (!kid_value_at(k, &vtype, node + t.value_off + voff)) {
                                k->i++;
                                break;
                        }
                } else if (!kid_value_at(k, &t.value, node + t.value_off)) {
                        k->i++;
                        break;
                }
                kid_close(k);
                if (++count >= t.count)
                        break;
                r = tree_next(x, &t, &node);
                if (r < 0) {
                        snprintf(label, sizeof label, "[%u]", k->i);
                        kid_error(k, label, r == -1 ? "<unavailable>" : "<error: a corrupt tree: no next node>");
                        break;
                }
        }
        kids_end(k, true);
out:
        free(seen.a);
}

static void map_children(struct lv *x, struct kids *k) {
        tree_walk(x, k, true);
}

static void set_children(struct lv *x, struct kids *k) {
        tree_walk(x, k, false);
}

/* ---- std::unordered_* (_Hashtable) ---- */

struct hash {
        Dwarf_Die value, node_base;
        uint64_t count, first, next_off, value_off;
};

static bool hash_read(struct lv *x, struct hash *h) {
        Dwarf_Die ht, m;
        uint64_t hoff;

        if (!lv_member(x, "_M_h", &ht, &hoff) || !pv_peel(&ht, &ht) ||
            pv_template_arg(&ht, 1, &h->value, NULL) != PV_TARG_TYPE ||
            !lv_u64(x, "_M_h._M_element_count", &h->count) || !lv_u64(x, "_M_h._M_before_begin._M_nxt", &h->first) ||
            !member_pointee(x, "_M_h._M_before_begin._M_nxt", &h->node_base) ||
            !pv_member(x->p, &h->node_base, "_M_nxt", &m, &h->next_off))
                return false;
        h->value_off = node_value_offset(x, &h->node_base, &h->value);
        return true;
}

static bool hash_to_string(struct lv *x, bool *none) {
        struct hash h;
        char buf[32];

        (void) none;
        if (!hash_read(x, &h))
                return false;
        pv_printf(x->p, "%s with %s", x->name, elements(h.count, buf, sizeof buf));
        return true;
}

static void hash_walk(struct lv *x, struct kids *k, bool is_map) {
        struct hash h;
        Dwarf_Die ktype, vtype;
        uint64_t koff = 0, voff = 0, node;
        struct seen seen = { 0 };
        char label[32];

        if (!hash_read(x, &h))
                return;
        if (is_map && (!pv_member(x->p, &h.value, "first", &ktype, &koff) ||
                       !pv_member(x->p, &h.value, "second", &vtype, &voff))) {
                kid_error(k, "", "<error: a map whose values are not pairs>");
                kids_end(k, true);
                return;
        }
        for (node = h.first; node;) {
                if (!kids_room(k)) {
                        kids_end(k, false);
                        goto out;
                }
                snprintf(label, sizeof label, "[%u]", k->i);
                if (seen_before(&seen, node)) {
                        kid_error(k, label, "<error: the hash table's links go round in a cycle>");
                        break;
                }
                if (!kid_open(k, label))
                        goto out;
                if (is_map) {
                        if (!kid_value_at(k, &ktype, node + h.value_off + koff)) {
                                k->i++;
                                break;
                        }
                        kid_close(k);
                        if (!kids_room(k)) {
                                kids_end(k, false);
                                goto out;
                        }
                        if (!kid_open(k, ""))
                                goto out;
                        if (!kid_value_at(k, &vtype, node + h.value_off + voff)) {
                                k->i++;
                                break;
                        }
                } else if (!kid_value_at(k, &h.value, node + h.value_off)) {
                        k->i++;
                        break;
                }
                kid_close(k);
                if (!read_ptr(x, node + h.next_off, &node)) {
                        snprintf(label, sizeof label, "[%u]", k->i);
                        kid_error(k, label, "<unavailable>");
                        break;
                }
        }
        kids_end(k, true);
out:
        free(seen.a);
}

static void umap_children(struct lv *x, struct kids *k) {
        hash_walk(x, k, true);
}

static void uset_children(struct lv *x, struct kids *k) {
        hash_walk(x, k, false);
}

/* ---- std::tuple, std::pair, std::unique_ptr ---- */

/* A base class of struct t at field k: its type and offset. */
static bool base_at(Dwarf_Die *t, unsigned k, Dwarf_Die *type, uint64_t *off) {
        Dwarf_Die f;

        return pv_field(t, k, &f) && pv_base(&f, type, off) && pv_peel(type, type);
}

static bool name_starts(Dwarf_Die *t, const char *prefix) {
        char *n = symb_type_name(t);
        bool r = n && strncmp(n, prefix, strlen(prefix)) == 0;

        free(n);
        return r;
}

/* _tuple_impl_get: the element a _Tuple_impl node holds (its last base,
 * the _Head_base: its _M_head_impl, or the empty base itself). */
static bool tuple_impl_get(Dwarf_Die *node, Dwarf_Die *type, uint64_t *off) {
        Dwarf_Die head, f;
        uint64_t hoff, moff;
        size_t n = pv_n_fields(node);
        const char *name;

        if (n == 0 || !base_at(node, (unsigned) n - 1, &head, &hoff) || !pv_field(&head, 0, &f))
                return false;
        name = dwarf_diename(&f);
        if (dwarf_tag(&f) == DW_TAG_member && name && strcmp(name, "_M_head_impl") == 0) {
                Dwarf_Attribute a;
                Dwarf_Word w;

                if (!pv_die_type(&f, type))
                        return false;
                moff = dwarf_formudata(dwarf_attr(&f, DW_AT_data_member_location, &a), &w) == 0 ? w : 0;
                *off = hoff + moff;
                return true;
        }
        if (!base_at(&head, 0, type, &moff))
                return false;
        *off = hoff + moff;
        return true;
}

static bool tuple_to_string(struct lv *x, bool *none) {
        (void) none;
        pv_printf(x->p, pv_n_fields(&x->t) == 0 ? "empty %s" : "%s containing", x->name);
        return true;
}

static void tuple_children(struct lv *x, struct kids *k) {
        Dwarf_Die head = x->t, next, impl, elem;
        uint64_t hoff = 0, o, eoff;
        size_t n = pv_n_fields(&head);
        bool more = true;
        char label[32];

        if (n == 0)
                return;
        if (n == 1 || (n == 2 && base_at(&head, 1, &next, &o) && name_starts(&next, "std::__tuple_base<"))) {
                if (!base_at(&head, 0, &next, &o))
                        return;
                head = next;
                hoff += o;
        } else {
                kid_error(k, "", "<error: a tuple of an unknown layout>");
                kids_end(k, true);
                return;
        }
        for (unsigned count = 1; more; count++) {
                uint64_t ioff;

                n = pv_n_fields(&head);
                if (n == 0)
                        break;
                if (!kids_room(k)) {
                        kids_end(k, false);
                        return;
                }
                if (n == 1) {
                        if (!base_at(&head, 0, &impl, &ioff))
                                break;
                        more = false;
                } else if (n == 2) {
                        if (!base_at(&head, 1, &impl, &ioff) || !base_at(&head, 0, &next, &o))
                                break;
                } else {
                        break;
                }
                snprintf(label, sizeof label, "[%u]", count);
                if (!kid_open(k, label))
                        return;
                {
                        Dwarf_Die f;
                        const char *fname;

                        if (pv_field(&impl, 0, &f) && dwarf_tag(&f) == DW_TAG_member && (fname = dwarf_diename(&f)) &&
                            strcmp(fname, "_M_head_impl") == 0 && pv_member(x->p, &impl, "_M_head_impl", &elem, &eoff))
                                kid_value_in(k, &elem, x->v, x->off + hoff + ioff + eoff);
                        else
                                kid_value_in(k, &impl, x->v, x->off + hoff + ioff);
                }
                kid_close(k);
                if (more) {
                        head = next;
                        hoff += o;
                }
        }
        kids_end(k, true);
}

static bool pair_to_string(struct lv *x, bool *none) {
        (void) x;
        *none = true;
        return true;
}

static void pair_children(struct lv *x, struct kids *k) {
        static const char *const which[] = { "first", "second" };

        for (size_t i = 0; i < 2; i++) {
                Dwarf_Die type;
                uint64_t off;

                if (!kids_room(k)) {
                        kids_end(k, false);
                        return;
                }
                if (!lv_member(x, which[i], &type, &off))
                        break;
                if (!kid_open(k, which[i]))
                        return;
                kid_value_in(k, &type, x->v, x->off + off);
                kid_close(k);
        }
        kids_end(k, true);
}

/* unique_ptr_get: _M_t (a __uniq_ptr_data or __uniq_ptr_impl holding a
 * tuple in its own _M_t, or the tuple itself), element 0. */
static bool unique_ptr_get(struct lv *x, Dwarf_Die *type, uint64_t *off) {
        Dwarf_Die impl, tup, node;
        uint64_t ioff, toff, noff, eoff;

        if (!pv_field(&x->t, 0, &impl) || !pv_die_type(&impl, &impl) || !pv_peel(&impl, &impl) ||
            !lv_member(x, "_M_t", &tup, &ioff))
                return false;
        if (name_starts(&impl, "std::__uniq_ptr_data<") || name_starts(&impl, "std::__uniq_ptr_impl<")) {
                if (!lv_member(x, "_M_t._M_t", &tup, &toff))
                        return false;
        } else if (name_starts(&impl, "std::tuple<")) {
                toff = ioff;
        } else {
                return false;
        }
        if (!pv_peel(&tup, &tup) || !base_at(&tup, 0, &node, &noff) || !tuple_impl_get(&node, type, &eoff))
                return false;
        *off = toff + noff + eoff;
        return true;
}

static bool unique_ptr_to_string(struct lv *x, bool *none) {
        Dwarf_Die t, a;
        uint64_t off;
        char *n;

        (void) none;
        if (!unique_ptr_get(x, &t, &off) || !targ_type(x, 0, &a) || !(n = symb_type_name(&a)))
                return false;
        pv_printf(x->p, "std::unique_ptr<%s>", n);
        free(n);
        return true;
}

static void unique_ptr_children(struct lv *x, struct kids *k) {
        Dwarf_Die t;
        uint64_t off;

        if (!unique_ptr_get(x, &t, &off) || !kids_room(k) || !kid_open(k, "get()"))
                return;
        kid_value_in(k, &t, x->v, x->off + off);
        kid_close(k);
        kids_end(k, true);
}

/* ---- std::shared_ptr, std::weak_ptr ---- */

static bool shared_ptr_to_string(struct lv *x, bool *none) {
        Dwarf_Die a, base, m;
        uint64_t pi, uoff, woff;
        uint32_t use, weak;
        char *n;

        (void) none;
        if (!lv_u64(x, "_M_refcount._M_pi", &pi) || !member_pointee(x, "_M_refcount._M_pi", &base) ||
            !lv_member(x, "_M_ptr", &m, &uoff) || !targ_type(x, 0, &a) || !(n = symb_type_name(&a)))
                return false;
        pv_printf(x->p, "%s<%s> (", x->name, n);
        free(n);
        if (pi == 0) {
                pv_puts(x->p, "empty)");
                return true;
        }
        if (!pv_member(x->p, &base, "_M_use_count", &m, &uoff) || !pv_member(x->p, &base, "_M_weak_count", &m, &woff) ||
            !pv_read(x->p, pi + uoff, &use, sizeof use) || !pv_read(x->p, pi + woff, &weak, sizeof weak)) {
                pv_puts(x->p, "use count <unavailable>, weak count <unavailable>)");
                return true;
        }
        if (use == 0)
                pv_printf(x->p, "expired, weak count %" PRId32 ")", (int32_t) weak);
        else
                pv_printf(x->p, "use count %" PRId32 ", weak count %" PRId32 ")", (int32_t) use,
                          (int32_t) weak - 1);
        return true;
}

static void shared_ptr_children(struct lv *x, struct kids *k) {
        Dwarf_Die t;
        uint64_t off;

        if (!lv_member(x, "_M_ptr", &t, &off) || !kids_room(k) || !kid_open(k, "get()"))
                return;
        kid_value_in(k, &t, x->v, x->off + off);
        kid_close(k);
        kids_end(k, true);
}

/* ---- std::optional, std::variant (SingleObjContainerPrinter) ---- */

/* The contained value's own printer, as gdb.default_visualizer finds it;
 * inner is set up to print it. */
static const struct lib_printer *visualizer(struct lv *x, Dwarf_Die *type, uint64_t off, struct lv *inner,
                                            char **full) {
        Dwarf_Die t;
        const struct lib_printer *lp;

        *full = NULL;
        if (!pv_peel(type, &t) || !(lp = find_printer(&t, full, &inner->name)))
                return NULL;
        inner->p = x->p;
        inner->t = t;
        inner->v = x->v;
        inner->off = off;
        inner->recurse = x->recurse;
        inner->full = *full;
        return lp;
}


static bool optional_read(struct lv *x, struct single *s) {
        Dwarf_Die a, t;
        uint64_t engaged, off;
        char *vt;

        memset(s, 0, sizeof *s);
        if (!targ_type(x, 0, &a) || !lv_u64(x, "_M_payload._M_engaged", &engaged) ||
            !lv_member(x, "_M_payload._M_payload._M_value", &t, &off))
                return false;
        s->engaged = (engaged & 0xff) != 0;
        s->type = t;
        s->off = x->off + off;
        vt = recognize(&a);
        if (!vt || asprintf(&s->typename, "std::optional<%s>", vt) < 0)
                s->typename = NULL;
        free(vt);
        return s->typename != NULL;
}

static bool variant_read(struct lv *x, struct single *s) {
        Dwarf_Die a;
        uint64_t index, off;
        size_t len = 16;
        unsigned n;
        char *names[64];

        memset(s, 0, sizeof *s);
        if (!lv_u64(x, "_M_index", &index) || !lv_member(x, "_M_u._M_first._M_storage", &a, &off))
                return false;
        for (n = 0; n < 64 && pv_template_arg(&x->t, n, &a, NULL) == PV_TARG_TYPE; n++) {
                if (!(names[n] = recognize(&a))) {
                        while (n--)
                                free(names[n]);
                        return false;
                }
                len += strlen(names[n]) + 2;
                if (n == index)
                        s->type = a;
        }
        s->typename = malloc(len + strlen(x->name));
        if (s->typename) {
                strcpy(s->typename, x->name);
                strcat(s->typename, "<");
                for (unsigned i = 0; i < n; i++) {
                        if (i)
                                strcat(s->typename, ", ");
                        strcat(s->typename, names[i]);
                }
                strcat(s->typename, ">");
        }
        for (unsigned i = 0; i < n; i++)
                free(names[i]);
        /* _M_index is narrow (unsigned char for few alternatives): its
         * all-ones value is variant_npos, the valueless state. */
        s->index = (long) index;
        s->engaged = index < n;
        s->off = x->off + off;
        return s->typename != NULL;
}

bool single_to_string(struct lv *x, bool (*read)(struct lv *x, struct single *s), bool variant) {
        struct single s;
        struct lv inner;
        const struct lib_printer *lp = NULL;
        char *full = NULL;
        bool none = false, ok = true;

        if (!read(x, &s))
                return false;
        if (!s.engaged) {
                pv_printf(x->p, "%s [no contained value]", s.typename);
                free(s.typename);
                return true;
        }
        lp = visualizer(x, &s.type, s.off, &inner, &full);
        pv_puts(x->p, s.typename);
        if (variant)
                pv_printf(x->p, " [index %ld]", s.index);
        if (lp && lp->children) {
                pv_puts(x->p, " containing ");
                ok = lp->to_string(&inner, &none);
                if (ok && none)
                        pv_puts(x->p, "None");
        }
        free(full);
        free(s.typename);
        return ok;
}


void single_children(struct lv *x, struct kids *k, bool (*read)(struct lv *x, struct single *s)) {
        struct single s;
        struct lv inner;
        const struct lib_printer *lp;
        char *full = NULL;

        if (!read(x, &s))
                return;
        free(s.typename);
        if (!s.engaged)
                return;
        lp = visualizer(x, &s.type, s.off, &inner, &full);
        if (lp && lp->children) {
                /* The contained value's children, with its display
                 * hint when its printer has one, else this one's. */
                if (lp->hint != HINT_NONE || lp->single)
                        k->hint = lp->hint;
                lp->children(&inner, k);
        } else if (kids_room(k) && kid_open(k, "[contained value]")) {
                kid_value_in(k, &s.type, x->v, s.off);
                kid_close(k);
                kids_end(k, true);
        }
        free(full);
}

static bool optional_to_string(struct lv *x, bool *none) {
        (void) none;
        return single_to_string(x, optional_read, false);
}

static void optional_children(struct lv *x, struct kids *k) {
        single_children(x, k, optional_read);
}

static bool variant_to_string(struct lv *x, bool *none) {
        (void) none;
        return single_to_string(x, variant_read, true);
}

static void variant_children(struct lv *x, struct kids *k) {
        single_children(x, k, variant_read);
}

/* ---- std::atomic ---- */

static bool atomic_to_string(struct lv *x, bool *none) {
        Dwarf_Die a, t, m;
        uint64_t off;
        const char *path = "_M_i";
        char *n;

        (void) none;
        if (!targ_type(x, 0, &a) || !pv_peel(&a, &t))
                return false;
        if (name_starts(&t, "std::shared_ptr<") || name_starts(&t, "std::weak_ptr<"))
                return false;   /* atomic<shared_ptr>: not printed as gdb does yet */
        if (dwarf_tag(&t) == DW_TAG_pointer_type)
                path = "_M_b._M_p";
        else if (is_bool(&t))
                path = "_M_base._M_i";
        else if (dwarf_tag(&t) == DW_TAG_base_type) {
                Dwarf_Attribute at;
                Dwarf_Word enc;

                if (dwarf_formudata(dwarf_attr(&t, DW_AT_encoding, &at), &enc) == 0 &&
                    (enc == DW_ATE_float || enc == DW_ATE_complex_float))
                        path = "_M_fp";
        }
        if (!lv_member(x, path, &m, &off) || !(n = symb_type_name(&a)))
                return false;
        pv_printf(x->p, "%s<%s> = { ", x->name, n);
        free(n);
        pv_value(x->p, &m, x->v, x->off + off, x->recurse);
        pv_puts(x->p, " }");
        return true;
}

/* ---- the table ---- */

static const struct lib_printer printers[] = {
        { "std::__cxx11::basic_string", string_to_string, NULL, HINT_NONE, NULL, false },
        { "std::basic_string", string_to_string, NULL, HINT_NONE, NULL, false },
        { "std::basic_string_view", string_view_to_string, NULL, HINT_NONE, NULL, false },
        { "std::vector", vector_to_string, vector_children, HINT_ARRAY, NULL, false },
        { "std::deque", deque_to_string, deque_children, HINT_ARRAY, NULL, false },
        { "std::list", list_to_string, list_children, HINT_NONE, NULL, false },
        { "std::__cxx11::list", list_to_string, list_children, HINT_NONE, NULL, false },
        { "std::forward_list", fwd_list_to_string, fwd_list_children, HINT_NONE, NULL, false },
        { "std::map", tree_to_string, map_children, HINT_MAP, NULL, false },
        { "std::multimap", tree_to_string, map_children, HINT_MAP, NULL, false },
        { "std::set", tree_to_string, set_children, HINT_NONE, NULL, false },
        { "std::multiset", tree_to_string, set_children, HINT_NONE, NULL, false },
        { "std::unordered_map", hash_to_string, umap_children, HINT_MAP, NULL, false },
        { "std::unordered_multimap", hash_to_string, umap_children, HINT_MAP, NULL, false },
        { "std::unordered_set", hash_to_string, uset_children, HINT_NONE, NULL, false },
        { "std::unordered_multiset", hash_to_string, uset_children, HINT_NONE, NULL, false },
        { "std::tuple", tuple_to_string, tuple_children, HINT_NONE, NULL, false },
        { "std::pair", pair_to_string, pair_children, HINT_NONE, NULL, false },
        { "std::unique_ptr", unique_ptr_to_string, unique_ptr_children, HINT_NONE, NULL, false },
        { "std::shared_ptr", shared_ptr_to_string, shared_ptr_children, HINT_NONE, NULL, false },
        { "std::weak_ptr", shared_ptr_to_string, shared_ptr_children, HINT_NONE, NULL, false },
        { "std::optional", optional_to_string, optional_children, HINT_NONE, NULL, true },
        { "std::variant", variant_to_string, variant_children, HINT_ARRAY, NULL, false },
        { "std::atomic", atomic_to_string, NULL, HINT_NONE, NULL, false },
};

/* printers.py's Printer.__call__: the tag, which must be NAME or
 * NAME<...>, looked up by NAME. */
const struct lib_printer *find_printer(Dwarf_Die *t, char **full, const char **name) {
        int tag = dwarf_tag(t);
        size_t n;
        char *s;

        *full = NULL;
        if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type && tag != DW_TAG_union_type)
                return NULL;
        if (!(s = symb_type_name(t)))
                return NULL;
        n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");
        if (n == 0 || (s[n] != 0 && (s[n] != '<' || s[strlen(s) - 1] != '>'))) {
                free(s);
                return NULL;
        }
        for (size_t i = 0; i < sizeof printers / sizeof printers[0] + libcxx_n_printers; i++) {
                const struct lib_printer *lp = i < sizeof printers / sizeof printers[0]
                                                       ? &printers[i]
                                                       : &libcxx_printers[i - sizeof printers / sizeof printers[0]];

                if (strlen(lp->name) == n && strncmp(s, lp->name, n) == 0) {
                        *full = s;
                        *name = lp->shown ? lp->shown : lp->name;
                        return lp;
                }
        }
        free(s);
        return NULL;
}

bool symb_print_library_type(struct printer *p, Dwarf_Die *t, const struct symb_value *v, uint64_t off, int recurse) {
        struct lv x = { .p = p, .t = *t, .v = v, .off = off, .recurse = recurse };
        struct kids k = { .p = p, .recurse = recurse };
        const struct lib_printer *lp;
        size_t mark = pv_mark(p);
        char *full;
        bool none = false;

        if (!(lp = find_printer(t, &full, &x.name)))
                return false;
        x.full = full;
        if (!lp->to_string(&x, &none)) {
                pv_rewind(p, mark);
                free(full);
                return false;
        }
        if (lp->children) {
                k.hint = lp->hint;
                k.no_text = none;
                lp->children(&x, &k);
        }
        free(full);
        return true;
}
