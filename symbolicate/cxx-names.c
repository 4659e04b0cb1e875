/* SPDX-License-Identifier: MIT */
/* symbolicate/cxx-names.c: C++ names as gdb spells them. gdb reads every
 * C++ DW_AT_name through cp_canonicalize_string, which prints names the
 * way its demangler does: clang's "B<0UL, const char *>" becomes
 * "B<0ul, char const*>", "E<const char *const *>" "E<char const* const*>",
 * "C<-3L, int (*)(const char *, int), true>" "C<-3l, int (*)(char const*,
 * int), true>". (Checked against gdb 13 on clang 14's DWARF.) GCC's names
 * are mostly in that form already.
 *
 * Not a C++ parser: template arguments and parameter lists are split at
 * their top-level commas, each is an integer literal (suffix in lower
 * case) or a type (leading cv-qualifiers after the base type, no space
 * before '*' or '&', one after a pointer's own qualifier); anything else
 * is copied. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cxx-names.h"

#define DEPTH_MAX 32

struct out {
        char *s;
        size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n) {
        /* cap is 2 * input + 16: no rule below grows a name by more than
         * one byte per input byte. */
        if (o->len + n >= o->cap)
                n = o->cap - o->len - 1;
        memcpy(o->s + o->len, s, n);
        o->len += n;
        o->s[o->len] = '\0';
}

static void putc1(struct out *o, char c) {
        put(o, &c, 1);
}

static const char *skip_space(const char *s, const char *end) {
        while (s < end && *s == ' ')
                s++;
        return s;
}

static const char *trim_end(const char *s, const char *end) {
        while (end > s && end[-1] == ' ')
                end--;
        return end;
}

/* The end of the bracketed group opening at s ('<', '(' or '['). */
static const char *group_end(const char *s, const char *end) {
        int depth = 0;

        for (const char *p = s; p < end; p++) {
                if (*p == '<' || *p == '(' || *p == '[')
                        depth++;
                else if ((*p == '>' || *p == ')' || *p == ']') && --depth == 0)
                        return p;
        }
        return end;
}

static void name(struct out *o, const char *s, const char *end, int depth);
static void type(struct out *o, const char *s, const char *end, int depth);

static bool word_at(const char *s, const char *end, const char *w) {
        size_t n = strlen(w);

        return (size_t) (end - s) >= n && memcmp(s, w, n) == 0 &&
               (s + n == end || !(isalnum((unsigned char) s[n]) || s[n] == '_'));
}

/* -3L -> -3l, 0UL -> 0ul; false when s..end is not an integer literal. */
static bool integer(struct out *o, const char *s, const char *end) {
        const char *p = s;

        if (p < end && *p == '-')
                p++;
        if (p == end || !isdigit((unsigned char) *p))
                return false;
        while (p < end && isalnum((unsigned char) *p))
                p++;
        if (p != end)
                return false;
        for (p = s; p < end; p++)
                putc1(o, (char) tolower((unsigned char) *p));
        return true;
}

/* One template argument or parameter. */
static void argument(struct out *o, const char *s, const char *end, int depth) {
        s = skip_space(s, end);
        end = trim_end(s, end);
        if (!integer(o, s, end))
                type(o, s, end, depth);
}

/* "(a, b)" or "<a, b>": each argument canonical, ", " between. */
static void list(struct out *o, const char *open, const char *close, int depth) {
        const char *arg = open + 1;
        int nest = 0;

        putc1(o, *open);
        for (const char *p = open + 1; p <= close; p++) {
                if (p < close && (*p == '<' || *p == '(' || *p == '['))
                        nest++;
                else if (p < close && (*p == '>' || *p == ')' || *p == ']'))
                        nest--;
                else if (p == close || (*p == ',' && nest == 0)) {
                        if (arg != open + 1)
                                put(o, ", ", 2);
                        argument(o, arg, p, depth + 1);
                        arg = p + 1;
                }
        }
        /* gdb keeps "> >" apart. */
        if (*open == '<' && o->len > 0 && o->s[o->len - 1] == '>')
                putc1(o, ' ');
        putc1(o, *close);
}

/* A qualified name whose components may carry template arguments. */
static void name(struct out *o, const char *s, const char *end, int depth) {
        while (s < end) {
                if (*s == '<' && depth < DEPTH_MAX) {
                        const char *close = group_end(s, end);

                        if (close == end) {             /* unbalanced: as it is */
                                put(o, s, (size_t) (end - s));
                                return;
                        }
                        list(o, s, close, depth);
                        s = close + 1;
                        continue;
                }
                putc1(o, *s++);
        }
}

/* "K::*" or "ns::K::*": a pointer to member's declarator, not a
 * parameter list. */
static bool member_pointer(const char *s, const char *end) {
        size_t n = (size_t) (end - s);

        if (n < 3 || memcmp(end - 3, "::*", 3) != 0)
                return false;
        for (const char *p = s; p < end; p++)
                if (!(isalnum((unsigned char) *p) || *p == '_' || *p == ':' || *p == '*'))
                        return false;
        return true;
}

/* An integer type of several words ("long unsigned int", "short int")
 * as the demangler names it ("unsigned long", "short"); false, nothing
 * written, for anything else. */
static bool integer_type(struct out *o, const char *s, const char *end) {
        static const char *const words[] = { "signed", "unsigned", "short", "long", "int", "char" };
        unsigned count[6] = { 0 }, n = 0;
        const char *name;

        for (s = skip_space(s, end); s < end; s = skip_space(s, end)) {
                size_t k;

                for (k = 0; k < 6 && !word_at(s, end, words[k]); k++)
                        ;
                if (k == 6)
                        return false;
                count[k]++;
                n++;
                s += strlen(words[k]);
        }
        if (n < 2)
                return false;
        if (count[5])
                name = count[1] ? "unsigned char" : count[0] ? "signed char" : "char";
        else if (count[2])
                name = count[1] ? "unsigned short" : "short";
        else if (count[3] >= 2)
                name = count[1] ? "unsigned long long" : "long long";
        else if (count[3])
                name = count[1] ? "unsigned long" : "long";
        else
                name = count[1] ? "unsigned int" : "int";
        put(o, name, strlen(name));
        return true;
}

static void type(struct out *o, const char *s, const char *end, int depth) {
        const char *quals[4];
        size_t nq = 0;
        const char *base, *p;

        /* Leading cv-qualifiers go after the base type: "char const". */
        for (;;) {
                s = skip_space(s, end);
                if (word_at(s, end, "const") || word_at(s, end, "volatile")) {
                        if (nq < 4)
                                quals[nq++] = *s == 'c' ? "const" : "volatile";
                        s += *s == 'c' ? 5 : 8;
                        continue;
                }
                break;
        }
        base = s;
        for (p = s; p < end && *p != '*' && *p != '&' && *p != '(' && *p != '['; p++)
                if (*p == '<')
                        p = group_end(p, end);
        if (!integer_type(o, base, trim_end(base, p < end ? p : end)))
                name(o, base, trim_end(base, p < end ? p : end), depth);
        for (size_t i = 0; i < nq; i++) {
                putc1(o, ' ');
                put(o, quals[i], strlen(quals[i]));
        }
        /* The declarator: pointers, references, their qualifiers, and
         * function or array parts. */
        while (p < end) {
                if (*p == '*' || *p == '&') {
                        putc1(o, *p++);
                        continue;
                }
                if (*p == ' ') {
                        const char *q = skip_space(p, end);

                        if (word_at(q, end, "const") || word_at(q, end, "volatile")) {
                                size_t n = *q == 'c' ? 5 : 8;

                                putc1(o, ' ');
                                put(o, q, n);
                                p = q + n;
                        } else
                                p = q;
                        continue;
                }
                if (*p == 'c' && (word_at(p, end, "const") || word_at(p, end, "volatile"))) {
                        /* "*const" with no space: gdb says "* const". */
                        size_t n = *p == 'c' ? 5 : 8;

                        putc1(o, ' ');
                        put(o, p, n);
                        p += n;
                        continue;
                }
                if (*p == '[') {
                        /* "int[4]": gdb says "int [4]". */
                        const char *close = group_end(p, end);

                        if (o->len > 0 && o->s[o->len - 1] != ' ')
                                putc1(o, ' ');
                        put(o, p, (size_t) ((close < end ? close + 1 : end) - p));
                        p = close < end ? close + 1 : end;
                        continue;
                }
                if (*p == '(' && depth < DEPTH_MAX) {
                        const char *close = group_end(p, end);
                        const char *in = skip_space(p + 1, close);

                        if (close == end) {
                                put(o, p, (size_t) (end - p));
                                return;
                        }
                        /* "void (int)", "int (*)(int)": one space after the
                         * base type, none between the groups. */
                        if (o->len > 0 && o->s[o->len - 1] != ' ' && o->s[o->len - 1] != ')')
                                putc1(o, ' ');
                        /* "(*)" or "(Class::*)": the declarator, as it is;
                         * otherwise a parameter list. */
                        if (in < close && (*in == '*' || *in == '&' || member_pointer(in, close)))
                                put(o, p, (size_t) (close + 1 - p));
                        else if (in == close)
                                put(o, "()", 2);
                        else
                                list(o, p, close, depth);
                        p = close + 1;
                        continue;
                }
                putc1(o, *p++);
        }
}

static char *canonical(const char *s, bool as_type) {
        size_t n = strlen(s);
        struct out o = { .cap = 2 * n + 16 };

        if (!(o.s = malloc(o.cap)))
                return NULL;
        o.s[0] = '\0';
        if (as_type)
                type(&o, s, s + n, 0);
        else
                name(&o, s, s + n, 0);
        return o.s;
}

char *symb_cxx_canonical_name(const char *s) {
        return canonical(s, false);
}

char *symb_cxx_canonical_type(const char *s) {
        return canonical(s, true);
}

/* ---- return types: what DMGL_RET_DROP leaves out ----
 *
 * gdb demangles a DW_AT_linkage_name with DMGL_RET_DROP (dwarf2_physname,
 * gdb/dwarf2/read.c): the return type of a template function, which the
 * mangling encodes, is not printed, nor that of the function a local
 * entity is in (libiberty's d_print_comp drops it for every function type
 * it prints at that level: "int f<int>()::Local::run(int)" is
 * "f<int>()::Local::run(int)"). __cxa_demangle prints them all, each
 * followed by a space, before the name; the name is found from its
 * parameter list backwards. */

/* The bracket opening the one that closes at s[close], any kind counted
 * alike; SIZE_MAX when there is none. */
static size_t open_of(const char *s, size_t close) {
        int depth = 0;

        for (size_t i = close + 1; i-- > 0;) {
                if (s[i] == ')' || s[i] == ']' || s[i] == '}' || s[i] == '>')
                        depth++;
                else if ((s[i] == '(' || s[i] == '[' || s[i] == '{' || s[i] == '<') && --depth == 0)
                        return i;
        }
        return SIZE_MAX;
}

/* The start of "operator<op>" ending at s[e], SIZE_MAX when there is
 * none there. */
static size_t operator_at(const char *s, size_t e) {
        static const char *const ops[] = {
                "()", "[]", " new[]", " delete[]", " new", " delete", "->*", "->", "<<=", ">>=", "<<", ">>",
                "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
                "^=", "+", "-", "*", "/", "%", "^", "&", "|", "~", "!", "=", "<", ">", ",",
        };

        for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
                size_t n = strlen(ops[k]), b;

                if (e < n + 8 || memcmp(s + e - n, ops[k], n) != 0 || memcmp(s + e - n - 8, "operator", 8) != 0)
                        continue;
                b = e - n - 8;
                if (b == 0 || s[b - 1] == ':' || s[b - 1] == ' ')
                        return b;
        }
        return SIZE_MAX;
}

/* s[0..e) less a method's trailing qualifiers (" const", " &"). */
static size_t strip_qualifiers(const char *s, size_t e) {
        static const char *const quals[] = { " const", " volatile", " restrict", " &&", " &" };

        for (size_t k = 0; k < sizeof(quals) / sizeof(quals[0]); k++) {
                size_t n = strlen(quals[k]);

                if (e >= n && memcmp(s + e - n, quals[k], n) == 0) {
                        e -= n;
                        k = (size_t) -1;        /* again: " const &" */
                }
        }
        return e;
}

static size_t qualified_start(const char *s, size_t e, int depth);

/* The start of the name's last component, which ends at s[e]. */
static size_t component_start(const char *s, size_t e, int depth) {
        size_t o, b;

        if ((o = operator_at(s, e)) != SIZE_MAX)
                return o;
        if (e > 0 && s[e - 1] == '>') {
                size_t m = open_of(s, e - 1);

                if (m == SIZE_MAX)
                        return SIZE_MAX;
                /* "operator()<int>", "operator< <int>" */
                if ((o = operator_at(s, m)) != SIZE_MAX ||
                    (m > 0 && s[m - 1] == ' ' && (o = operator_at(s, m - 1)) != SIZE_MAX))
                        return o;
                e = m;
        }
        while (e > 0 && s[e - 1] == ']') {      /* "label[abi:cxx11]" */
                size_t m = open_of(s, e - 1);

                if (m == SIZE_MAX)
                        return SIZE_MAX;
                e = m;
        }
        if (e > 0 && s[e - 1] == '}')           /* "{lambda(int)#1}" */
                return open_of(s, e - 1);
        if (e >= 21 && memcmp(s + e - 21, "(anonymous namespace)", 21) == 0)
                return e - 21;
        if (e > 0 && s[e - 1] == ')') {
                /* "f(int)::Local": the function of a local name */
                size_t m = open_of(s, e - 1);

                return m == SIZE_MAX || depth >= DEPTH_MAX ? SIZE_MAX : qualified_start(s, m, depth + 1);
        }
        for (b = e; b > 0 && (isalnum((unsigned char) s[b - 1]) || s[b - 1] == '_' || s[b - 1] == '$'); b--)
                ;
        if (b == e)
                return SIZE_MAX;
        return b > 0 && s[b - 1] == '~' ? b - 1 : b;
}

/* The start of the qualified name that ends at s[e]. */
static size_t qualified_start(const char *s, size_t e, int depth) {
        for (;;) {
                size_t b = component_start(s, e, depth);

                if (b == SIZE_MAX || b < 2 || s[b - 1] != ':' || s[b - 2] != ':')
                        return b;
                e = strip_qualifiers(s, b - 2);
        }
}

size_t symb_cxx_return_type_length(const char *d) {
        size_t e = strip_qualifiers(d, strlen(d)), p, b;

        if (e == 0 || d[e - 1] != ')' || (p = open_of(d, e - 1)) == SIZE_MAX || p == 0)
                return 0;
        /* A conversion ("operator int"), operator new and delete: no
         * return type, and spaces inside their names. */
        for (const char *q = d; (q = strstr(q, "operator")) && (size_t) (q - d) < p; q += 8)
                if ((q == d || q[-1] == ':' || q[-1] == ' ') && q[8] == ' ')
                        return 0;
        b = qualified_start(d, p, 0);
        return b != SIZE_MAX && b > 0 && d[b - 1] == ' ' ? b : 0;
}
