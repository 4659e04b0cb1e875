/* SPDX-License-Identifier: MIT */
/* symbolicate/printers-libcxx.c: libc++'s types (clang's -stdlib=libc++,
 * Debian 12's libc++-14-dev, ABI version 1: the inline namespace
 * std::__1) printed in the text gdb's libstdc++ printers give the
 * libstdc++ type of the same name (printers-libstdcxx.c): "hello",
 * "std::vector of length 3, capacity 3 = {1, 2, 3}", "std::map with 2
 * elements = {[1] = 10, [2] = 20}".
 *
 * No gdb printers for libc++ ship with Debian 12; the contents are
 * tested against lldb-14's built-in libc++ formatters on the kernel core
 * of the same crash (tests/conformance/run-printers-libcxx.py).
 *
 * As there, a type is found by its DWARF name (std::__1::vector<...>)
 * and read by its layout's member names (through bases, compressed
 * pairs and anonymous unions); nothing is guessed from the contents. A
 * layout other than the one below (libc++'s alternate string layout,
 * ABI version 2) is not claimed and prints raw. What the dump lacks
 * prints <unavailable> and ends the walk; a corrupt container says so
 * and stops. Adding a type is one entry in libcxx_printers below. */
#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printers-lib.h"

/* Steps of one tree successor search (a tree of 2^64 nodes is 128
 * deep): more is a corrupt tree. */
#define MAX_TREE_STEPS 256

/* ---- std::basic_string ---- */

/* ABI v1's default layout (<string>, not _LIBCPP_ABI_ALTERNATE_STRING_LAYOUT),
 * little-endian: __r_ is a __compressed_pair whose __value_ is a __rep,
 * a union of __l {__cap_, __size_, __data_} and __s {__size_ (in a union
 * with __lx), __data_[]}. The low bit of the first byte says long; a
 * short string's size is that byte shifted right once; a long one's
 * __cap_ is its allocation with the bit set (capacity one less). */
static bool string_to_string(struct lv *x, bool *none) {
        Dwarf_Die ctype, stype, t;
        uint64_t flag, roff, capoff, soff, len, cap, ptr;
        int64_t w, n;

        (void) none;
        if (!lv_member(x, "__r_.__value_", &t, &roff) || !lv_member(x, "__r_.__value_.__l.__cap_", &t, &capoff) ||
            !lv_member(x, "__r_.__value_.__s.__data_", &stype, &soff) ||
            !member_pointee(x, "__r_.__value_.__l.__data_", &ctype))
                return false;
        /* The long form's capacity must come first: the default layout
         * (the alternate one starts with the pointer). */
        if (capoff != roff)
                return false;
        if (!lv_u64(x, "__r_.__value_.__s.__size_", &flag) || (w = pv_type_size(x->p, &ctype)) <= 0)
                return false;
        if (flag & 1) {
                if (!lv_u64(x, "__r_.__value_.__l.__size_", &len) || !lv_u64(x, "__r_.__value_.__l.__cap_", &cap) ||
                    !lv_u64(x, "__r_.__value_.__l.__data_", &ptr))
                        return false;
                cap = (cap & ~(uint64_t) 1) - 1;
        } else {
                /* The characters are in the object itself. */
                if (!x->v->has_addr || (n = pv_type_size(x->p, &stype)) <= 0)
                        return false;
                len = (flag & 0xff) >> 1;
                cap = (uint64_t) (n / w) - 1;
                ptr = x->v->addr + x->off + soff;
        }
        /* Longer than its buffer: a corrupt string, not 200 characters of
         * whatever follows. */
        if (len > cap) {
                pv_printf(x->p, "<error: a corrupt std::string: length %" PRIu64 ", capacity %" PRIu64 ">", len, cap);
                return true;
        }
        pv_string_at(x->p, ptr, len, &ctype);
        return true;
}

/* ---- std::vector ---- */

struct vec {
        Dwarf_Die elem;
        uint64_t esize, begin, end, cap;
};

/* __begin_, __end_, and __end_cap_ (a __compressed_pair with the
 * allocator). vector<bool> is a bit array of another layout: not
 * claimed. */
static bool vector_read(struct lv *x, struct vec *s) {
        Dwarf_Die e;
        int64_t es;

        if (!targ_type(x, 0, &e) || is_bool(&e) || !member_pointee(x, "__begin_", &s->elem) ||
            !lv_u64(x, "__begin_", &s->begin) || !lv_u64(x, "__end_", &s->end) ||
            !lv_u64(x, "__end_cap_.__value_", &s->cap) || (es = pv_type_size(x->p, &s->elem)) <= 0)
                return false;
        s->esize = (uint64_t) es;
        return true;
}

static bool vector_to_string(struct lv *x, bool *none) {
        struct vec s;

        (void) none;
        if (!vector_read(x, &s))
                return false;
        /* gdb's pointer difference: in elements, signed. */
        pv_printf(x->p, "%s of length %" PRId64 ", capacity %" PRId64, x->name,
                  (int64_t) (s.end - s.begin) / (int64_t) s.esize, (int64_t) (s.cap - s.begin) / (int64_t) s.esize);
        return true;
}

static void vector_children(struct lv *x, struct kids *k) {
        struct vec s;

        if (!vector_read(x, &s))
                return;
        if (s.end < s.begin || s.cap < s.end) {
                kid_error(k, "", "<error: a corrupt std::vector: its end is before its start>");
                kids_end(k, true);
                return;
        }
        for (uint64_t item = s.begin; item < s.end; item += s.esize) {
                if (!kids_room(k)) {
                        kids_end(k, false);
                        return;
                }
                if (!kid_open(k, ""))
                        return;
                if (!kid_value_at(k, &s.elem, item)) {
                        k->i++;
                        break;
                }
                kid_close(k);
        }
        kids_end(k, true);
}

/* ---- std::unique_ptr ---- */

/* __ptr_: a __compressed_pair of the pointer and the deleter. */
static bool unique_ptr_to_string(struct lv *x, bool *none) {
        Dwarf_Die t, a;
        uint64_t off;
        char *n;

        (void) none;
        if (!lv_member(x, "__ptr_.__value_", &t, &off) || !targ_type(x, 0, &a) || !(n = symb_type_name(&a)))
                return false;
        pv_printf(x->p, "std::unique_ptr<%s>", n);
        free(n);
        return true;
}

static void unique_ptr_children(struct lv *x, struct kids *k) {
        Dwarf_Die t;
        uint64_t off;

        if (!lv_member(x, "__ptr_.__value_", &t, &off) || !kids_room(k) || !kid_open(k, "get()"))
                return;
        kid_value_in(k, &t, x->v, x->off + off);
        kid_close(k);
        kids_end(k, true);
}

/* ---- std::shared_ptr, std::weak_ptr ---- */

/* __ptr_ and __cntrl_, a __shared_weak_count: __shared_owners_ is the
 * use count less one, __shared_weak_owners_ the weak count less one,
 * where (as in libstdc++) the owners together hold one weak count. So
 * while owned, the weak_ptrs are __shared_weak_owners_ (libstdc++'s
 * _M_weak_count - 1, which gdb prints); once expired, one more. */
static bool shared_ptr_to_string(struct lv *x, bool *none) {
        Dwarf_Die a, base, m;
        uint64_t cntrl, uoff, woff;
        int64_t use, weak;
        char *n;

        (void) none;
        if (!lv_u64(x, "__cntrl_", &cntrl) || !member_pointee(x, "__cntrl_", &base) || !lv_member(x, "__ptr_", &m, &uoff) ||
            !targ_type(x, 0, &a) || !(n = symb_type_name(&a)))
                return false;
        pv_printf(x->p, "%s<%s> (", x->name, n);
        free(n);
        if (cntrl == 0) {
                pv_puts(x->p, "empty)");
                return true;
        }
        if (!pv_member(x->p, &base, "__shared_owners_", &m, &uoff) ||
            !pv_member(x->p, &base, "__shared_weak_owners_", &m, &woff) ||
            !pv_read(x->p, cntrl + uoff, &use, sizeof use) || !pv_read(x->p, cntrl + woff, &weak, sizeof weak)) {
                pv_puts(x->p, "use count <unavailable>, weak count <unavailable>)");
                return true;
        }
        if (use + 1 == 0)
                pv_printf(x->p, "expired, weak count %" PRId64 ")", weak + 1);
        else
                pv_printf(x->p, "use count %" PRId64 ", weak count %" PRId64 ")", use + 1, weak);
        return true;
}

static void shared_ptr_children(struct lv *x, struct kids *k) {
        Dwarf_Die t;
        uint64_t off;

        if (!lv_member(x, "__ptr_", &t, &off) || !kids_room(k) || !kid_open(k, "get()"))
                return;
        kid_value_in(k, &t, x->v, x->off + off);
        kid_close(k);
        kids_end(k, true);
}

/* The type a typedef member of struct t (or of a base: list's in
 * __list_imp) names, peeled. */
static bool member_typedef(Dwarf_Die *t, const char *name, Dwarf_Die *ret, int depth) {
        Dwarf_Die c, b;
        uint64_t off;

        if (depth > 8 || dwarf_child(t, &c) != 0)
                return false;
        do {
                const char *n = dwarf_diename(&c);

                if (dwarf_tag(&c) == DW_TAG_typedef && n && strcmp(n, name) == 0)
                        return pv_peel(&c, ret);
        } while (dwarf_siblingof(&c, &c) == 0);
        dwarf_child(t, &c);
        do {
                if (pv_base(&c, &b, &off) && pv_peel(&b, &b) && member_typedef(&b, name, ret, depth + 1))
                        return true;
        } while (dwarf_siblingof(&c, &c) == 0);
        return false;
}

/* The node type of a node-based container: what the typedef
 * __node_pointer of struct t points to. */
static bool node_type(Dwarf_Die *t, Dwarf_Die *ret) {
        Dwarf_Die np;

        return member_typedef(t, "__node_pointer", &np, 0) && dwarf_tag(&np) == DW_TAG_pointer_type &&
               pv_die_type(&np, ret) && pv_peel(ret, ret);
}

/* ---- std::map, std::set and their multi forms (__tree) ---- */

/* __tree_: __begin_node_ (the leftmost node, or the end node), __pair1_
 * (the end node, whose __left_ is the root, and the allocator) and
 * __pair3_ (the size and the comparator). The node type is the one of
 * __tree's own typedef __node_pointer: __tree_node<V, void*>, its links
 * (__left_, __right_, __parent_) in its bases, V in __value_; a map's V
 * is a __value_type holding the pair in __cc. */
struct tree {
        Dwarf_Die value;
        uint64_t count, begin, end;
        uint64_t parent_off, left_off, right_off, value_off;
};


static bool tree_read(struct lv *x, struct tree *t) {
        Dwarf_Die tt, node, m;
        uint64_t toff, eoff;

        if (!lv_member(x, "__tree_", &tt, &toff) || !pv_peel(&tt, &tt) || !node_type(&tt, &node) ||
            !pv_member(x->p, &node, "__value_", &t->value, &t->value_off) ||
            !pv_member(x->p, &node, "__parent_", &m, &t->parent_off) ||
            !pv_member(x->p, &node, "__left_", &m, &t->left_off) ||
            !pv_member(x->p, &node, "__right_", &m, &t->right_off) || !lv_u64(x, "__tree_.__pair3_.__value_", &t->count) ||
            !lv_u64(x, "__tree_.__begin_node_", &t->begin) || !lv_member(x, "__tree_.__pair1_.__value_", &m, &eoff) ||
            !x->v->has_addr)
                return false;
        t->end = x->v->addr + x->off + eoff;
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

/* __tree_next_iter: the in-order successor. 1: *node is the next; -1
 * unreadable; -2 corrupt. */
static int tree_next(struct lv *x, const struct tree *t, uint64_t *node) {
        uint64_t n = *node, r, parent, pl;

        if (!read_ptr(x, n + t->right_off, &r))
                return -1;
        if (r) {
                for (int steps = 0;; steps++) {
                        n = r;
                        if (!read_ptr(x, n + t->left_off, &r))
                                return -1;
                        if (!r)
                                break;
                        if (steps > MAX_TREE_STEPS)
                                return -2;
                }
                *node = n;
                return 1;
        }
        /* Up while n is its parent's right child; the end node's __left_
         * is the root, so the climb ends there at the latest. */
        for (int steps = 0;; steps++) {
                if (!read_ptr(x, n + t->parent_off, &parent) || !read_ptr(x, parent + t->left_off, &pl))
                        return -1;
                if (pl == n)
                        break;
                n = parent;
                if (steps > MAX_TREE_STEPS)
                        return -2;
        }
        *node = parent;
        return 1;
}

static void tree_walk(struct lv *x, struct kids *k, bool is_map) {
        struct tree t;
        Dwarf_Die ktype, vtype, pair;
        uint64_t koff = 0, voff = 0, node, count = 0;
        struct seen seen = { 0 };
        char label[32];

        if (!tree_read(x, &t))
                return;
        if (is_map) {
                /* The pair in the __value_type, then its members. */
                uint64_t first, second;

                if (!pv_member(x->p, &t.value, "__cc", &pair, &koff) || !pv_member(x->p, &pair, "first", &ktype, &first) ||
                    !pv_member(x->p, &pair, "second", &vtype, &second)) {
                        kid_error(k, "", "<error: a map whose values are not pairs>");
                        kids_end(k, true);
                        return;
                }
                voff = koff + second;
                koff += first;
        }
        for (node = t.begin; count < t.count;) {
                int r;

                if (!kids_room(k)) {
                        kids_end(k, false);
                        goto out;
                }
                snprintf(label, sizeof label, "[%u]", k->i);
                if (node == t.end || seen_before(&seen, node)) {
                        kid_error(k, label,
                                  node == t.end ? "<error: a corrupt tree: fewer nodes than its size>"
                                                : "<error: the tree's links go round in a cycle>");
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

/* ---- std::list, std::forward_list ---- */

/* std::list: __end_ (a __list_node_base {__prev_, __next_} inside the
 * object, where the walk ends), in __list_imp; the node type is __list_imp's __node_pointer's:
 * __list_node<T, void*>, the value in __value_. */
struct linked {
        Dwarf_Die value;
        uint64_t head;                  /* the address that ends the walk */
        uint64_t first, next_off, value_off;
};

static bool list_read(struct lv *x, struct linked *l) {
        Dwarf_Die node, m;
        uint64_t hoff;

        if (!node_type(&x->t, &node) || !pv_member(x->p, &node, "__value_", &l->value, &l->value_off) ||
            !pv_member(x->p, &node, "__next_", &m, &l->next_off) || !lv_member(x, "__end_", &m, &hoff) ||
            !lv_u64(x, "__end_.__next_", &l->first) || !x->v->has_addr)
                return false;
        l->head = x->v->addr + x->off + hoff;
        return true;
}

/* std::forward_list: __before_begin_ (a __compressed_pair whose
 * __value_ is a __forward_begin_node: its __next_ is the first node, 0
 * ends the list); the node type is what its typedef __node_allocator
 * allocates: __forward_list_node<T, void*> {__next_, __value_}. */
static bool fwd_list_read(struct lv *x, struct linked *l) {
        Dwarf_Die alloc, node, m;

        if (!member_typedef(&x->t, "__node_allocator", &alloc, 0) ||
            pv_template_arg(&alloc, 0, &node, NULL) != PV_TARG_TYPE || !pv_peel(&node, &node) ||
            !pv_member(x->p, &node, "__value_", &l->value, &l->value_off) ||
            !pv_member(x->p, &node, "__next_", &m, &l->next_off) || !lv_u64(x, "__before_begin_.__value_.__next_", &l->first))
                return false;
        l->head = 0;
        return true;
}

static bool linked_to_string(struct lv *x, bool (*read)(struct lv *x, struct linked *l)) {
        struct linked l;

        if (!read(x, &l))
                return false;
        pv_printf(x->p, "%s%s", l.first == l.head ? "empty " : "", x->name);
        return true;
}

static void linked_children(struct lv *x, struct kids *k, bool (*read)(struct lv *x, struct linked *l)) {
        struct linked l;
        struct seen seen = { 0 };
        uint64_t node;
        char label[32];

        if (!read(x, &l))
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

static bool list_to_string(struct lv *x, bool *none) {
        (void) none;
        return linked_to_string(x, list_read);
}

static void list_children(struct lv *x, struct kids *k) {
        linked_children(x, k, list_read);
}

static bool fwd_list_to_string(struct lv *x, bool *none) {
        (void) none;
        return linked_to_string(x, fwd_list_read);
}

static void fwd_list_children(struct lv *x, struct kids *k) {
        linked_children(x, k, fwd_list_read);
}

/* ---- std::unordered_* (__hash_table) ---- */

/* __table_: __p1_'s __value_ is the list's head (a __hash_node_base
 * whose __next_ is the first node), __p2_'s the size; the node type is
 * __hash_table's __node_pointer's: __hash_node<V, void*> {__next_,
 * __hash_, __value_}; a map's V is a __hash_value_type holding the pair
 * in __cc. The walk follows the one list, as the iterators do. */
struct hash {
        Dwarf_Die value;
        uint64_t count, first, next_off, value_off;
};

static bool hash_read(struct lv *x, struct hash *h) {
        Dwarf_Die ht, node, m;
        uint64_t hoff;

        return lv_member(x, "__table_", &ht, &hoff) && pv_peel(&ht, &ht) && node_type(&ht, &node) &&
               pv_member(x->p, &node, "__value_", &h->value, &h->value_off) &&
               pv_member(x->p, &node, "__next_", &m, &h->next_off) &&
               lv_u64(x, "__table_.__p2_.__value_", &h->count) && lv_u64(x, "__table_.__p1_.__value_.__next_", &h->first);
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
        Dwarf_Die ktype, vtype, pair;
        uint64_t koff = 0, voff = 0, node;
        struct seen seen = { 0 };
        char label[32];

        if (!hash_read(x, &h))
                return;
        if (is_map) {
                uint64_t first, second;

                if (!pv_member(x->p, &h.value, "__cc", &pair, &koff) || !pv_member(x->p, &pair, "first", &ktype, &first) ||
                    !pv_member(x->p, &pair, "second", &vtype, &second)) {
                        kid_error(k, "", "<error: a map whose values are not pairs>");
                        kids_end(k, true);
                        return;
                }
                voff = koff + second;
                koff += first;
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

/* ---- std::optional ---- */

/* __engaged_ and __val_ (in an anonymous union with __null_state_), in
 * __optional_destruct_base, the last of optional's chain of bases. */
static bool optional_read(struct lv *x, struct single *s) {
        Dwarf_Die a, t;
        uint64_t engaged, off;
        char *vt;

        memset(s, 0, sizeof *s);
        if (!targ_type(x, 0, &a) || !lv_u64(x, "__engaged_", &engaged) || !lv_member(x, "__val_", &t, &off))
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

static bool optional_to_string(struct lv *x, bool *none) {
        (void) none;
        return single_to_string(x, optional_read, false);
}

static void optional_children(struct lv *x, struct kids *k) {
        single_children(x, k, optional_read);
}

/* ---- std::variant ---- */

/* __impl (a __variant_detail::__impl, down its bases to __base): __index
 * (narrow, all ones when valueless: variant_npos) and __data, a
 * recursive __union whose __head (an __alt) holds alternative 0 in
 * __value and whose __tail the others. */
static bool variant_read(struct lv *x, struct single *s) {
        Dwarf_Die a, u, m;
        uint64_t index, off, o;
        size_t len = 16;
        unsigned n;
        char *names[64];

        memset(s, 0, sizeof *s);
        if (!lv_u64(x, "__impl.__index", &index) || !lv_member(x, "__impl.__data", &u, &off))
                return false;
        for (n = 0; n < 64 && pv_template_arg(&x->t, n, &a, NULL) == PV_TARG_TYPE; n++) {
                if (!(names[n] = recognize(&a))) {
                        while (n--)
                                free(names[n]);
                        return false;
                }
                len += strlen(names[n]) + 2;
        }
        s->engaged = index < n;
        if (s->engaged) {
                for (uint64_t i = 0; i < index; i++) {
                        if (!pv_member(x->p, &u, "__tail", &u, &o))
                                goto fail;
                        off += o;
                }
                if (!pv_member(x->p, &u, "__head", &m, &o))
                        goto fail;
                off += o;
                if (!pv_member(x->p, &m, "__value", &s->type, &o))
                        goto fail;
                off += o;
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
        s->index = (long) index;
        s->off = x->off + off;
fail:
        for (unsigned i = 0; i < n; i++)
                free(names[i]);
        return s->typename != NULL;
}

static bool variant_to_string(struct lv *x, bool *none) {
        (void) none;
        return single_to_string(x, variant_read, true);
}

static void variant_children(struct lv *x, struct kids *k) {
        single_children(x, k, variant_read);
}

/* ---- the table ---- */

const struct lib_printer libcxx_printers[] = {
        { "std::__1::basic_string", string_to_string, NULL, HINT_NONE, "std::basic_string", false },
        { "std::__1::vector", vector_to_string, vector_children, HINT_ARRAY, "std::vector", false },
        { "std::__1::unique_ptr", unique_ptr_to_string, unique_ptr_children, HINT_NONE, "std::unique_ptr", false },
        { "std::__1::shared_ptr", shared_ptr_to_string, shared_ptr_children, HINT_NONE, "std::shared_ptr", false },
        { "std::__1::weak_ptr", shared_ptr_to_string, shared_ptr_children, HINT_NONE, "std::weak_ptr", false },
        { "std::__1::map", tree_to_string, map_children, HINT_MAP, "std::map", false },
        { "std::__1::multimap", tree_to_string, map_children, HINT_MAP, "std::multimap", false },
        { "std::__1::set", tree_to_string, set_children, HINT_NONE, "std::set", false },
        { "std::__1::multiset", tree_to_string, set_children, HINT_NONE, "std::multiset", false },
        { "std::__1::list", list_to_string, list_children, HINT_NONE, "std::list", false },
        { "std::__1::forward_list", fwd_list_to_string, fwd_list_children, HINT_NONE, "std::forward_list", false },
        { "std::__1::unordered_map", hash_to_string, umap_children, HINT_MAP, "std::unordered_map", false },
        { "std::__1::unordered_multimap", hash_to_string, umap_children, HINT_MAP, "std::unordered_multimap", false },
        { "std::__1::unordered_set", hash_to_string, uset_children, HINT_NONE, "std::unordered_set", false },
        { "std::__1::unordered_multiset", hash_to_string, uset_children, HINT_NONE, "std::unordered_multiset", false },
        { "std::__1::optional", optional_to_string, optional_children, HINT_NONE, "std::optional", true },
        { "std::__1::variant", variant_to_string, variant_children, HINT_ARRAY, "std::variant", false },
};

const size_t libcxx_n_printers = sizeof libcxx_printers / sizeof libcxx_printers[0];
