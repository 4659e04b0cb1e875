/* SPDX-License-Identifier: MIT */
/* symbolicate/minsym-names.c: an ELF symbol's name as gdb prints it (its
 * "minimal symbol" print name), for frames without debug info and for the
 * <symbol> after a pointer.
 *
 * gdb asks each language in turn whether it can demangle a minimal
 * symbol: C++ takes Itanium names ("_Z..."); Ada comes last and claims
 * every name its GNAT decoder changes, so that C programs' symbols are
 * shown GNAT-decoded too. That is why gdb 13 prints GCC's function-local
 * static "args.1" as <args>, clang's "start_workers.args" as
 * <start_workers[args]>, "foo__bar" as <foo.bar>, but keeps
 * "__PRETTY_FUNCTION__.0" (a leading '_' is never decoded) and "aVfs.101"
 * (a decoded name with an upper-case letter is rejected). The rules below
 * are gdb 13's ada_decode (ada-lang.c) restated, each checked against
 * gdb on a binary holding such names (tests/symbolicate/test-minsym-names.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "symb-internal.h"

/* GNAT's encoded operator names; at the start of a name segment they
 * decode to the quoted operator. */
static const struct {
        const char *encoded, *decoded;
} operators[] = {
        { "Oadd", "\"+\"" },      { "Osubtract", "\"-\"" }, { "Omultiply", "\"*\"" },
        { "Odivide", "\"/\"" },   { "Omod", "\"mod\"" },    { "Orem", "\"rem\"" },
        { "Oexpon", "\"**\"" },   { "Olt", "\"<\"" },       { "Ole", "\"<=\"" },
        { "Ogt", "\">\"" },       { "Oge", "\">=\"" },      { "Oeq", "\"=\"" },
        { "One", "\"/=\"" },      { "Oand", "\"and\"" },    { "Oor", "\"or\"" },
        { "Oxor", "\"xor\"" },    { "Oconcat", "\"&\"" },   { "Oabs", "\"abs\"" },
        { "Onot", "\"not\"" },
};

/* The C locale's classes: gdb -batch under a service's environment. */
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_alpha(char c) { return is_lower(c) || is_upper(c); }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
static bool is_xdigit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static bool starts(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A GNAT wide character "U41", "W0041", "WW00000041": n hex digits at s.
 * gdb converts it to the host charset; under the C locale only ASCII
 * converts, anything else fails and the letter stays (then the upper-case
 * check rejects the whole name). */
static bool hex_char(const char *s, int n, char *out) {
        unsigned v = 0;

        for (int i = 0; i < n; i++) {
                if (!is_xdigit(s[i]))
                        return false;
                v = v * 16 + (unsigned) (is_digit(s[i]) ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
        }
        if (v >= 0x80)
                return false;
        *out = (char) v;
        return true;
}

/* ".cold" at the end (letters after the last '.'): offset of the suffix's
 * first letter, the name shortened before the '.'. */
static int compiler_suffix(const char *e, int *len) {
        int k = *len - 1;

        while (k > 0 && is_alpha(e[k]))
                k--;
        if (k > 0 && e[k] == '.') {
                *len = k;
                return k + 1;
        }
        return -1;
}

/* ".12", "$12", "___12", "__12" at the end: compiler-made uniqueness. */
static void trailing_digits(const char *e, int *len) {
        int i;

        if (*len <= 1 || !is_digit(e[*len - 1]))
                return;
        i = *len - 2;
        while (i > 0 && is_digit(e[i]))
                i--;
        if (i >= 0 && (e[i] == '.' || e[i] == '$'))
                *len = i;
        else if (i >= 2 && starts(e + i - 2, "___"))
                *len = i - 2;
        else if (i >= 1 && starts(e + i - 1, "__"))
                *len = i - 1;
}

/* The decoded name, or NULL where gdb would keep the name as it is. */
static char *ada_decode(const char *e) {
        int len, i, suffix;
        bool at_start = true;
        size_t n = strlen(e);
        char *d, *out;
        size_t o = 0;

        if (e[0] == '.')
                e++;
        if (starts(e, "_ada_"))
                e += 5;
        if (starts(e, "___ghost_"))
                e += 9;
        if (e[0] == '_' || e[0] == '<')
                return NULL;
        len = (int) strlen(e);
        suffix = compiler_suffix(e, &len);
        trailing_digits(e, &len);
        /* Protected-object subprograms end in N. */
        if (len > 1 && e[len - 1] == 'N' && (is_digit(e[len - 2]) || is_lower(e[len - 2])))
                len--;
        /* "___X..." is an encoding suffix; any other "___" is not GNAT's. */
        const char *p = strstr(e, "___");
        if (p && p - e < len - 3) {
                if (p[3] != 'X')
                        return NULL;
                len = (int) (p - e);
        }
        if (len > 3 && starts(e + len - 3, "TKB"))
                len -= 3;
        if (len > 2 && starts(e + len - 2, "TB"))
                len -= 2;
        if (len > 1 && e[len - 1] == 'B')
                len -= 1;
        if (len > 1 && is_digit(e[len - 1])) {
                i = len - 2;
                while ((i >= 0 && is_digit(e[i])) || (i >= 1 && e[i] == '_' && is_digit(e[i - 1])))
                        i--;
                if (i > 1 && e[i] == '_' && e[i - 1] == '_')
                        len = i - 1;
                else if (i >= 0 && e[i] == '$')
                        len = i;
        }

        /* Every step below writes at most as many bytes as it reads, but
         * an operator's quoted form is longer than its name: room for
         * that, and for the "[suffix]". */
        d = malloc(2 * n + 8);
        if (!d)
                return NULL;
        for (i = 0; i < len && !is_alpha(e[i]); i++)
                d[o++] = e[i];
        while (i < len) {
                if (at_start && e[i] == 'O') {
                        size_t k;

                        for (k = 0; k < sizeof(operators) / sizeof(operators[0]); k++) {
                                size_t ol = strlen(operators[k].encoded);

                                if (strncmp(operators[k].encoded + 1, e + i + 1, ol - 1) == 0 && !is_alnum(e[i + ol])) {
                                        memcpy(d + o, operators[k].decoded, strlen(operators[k].decoded));
                                        o += strlen(operators[k].decoded);
                                        i += (int) ol;
                                        break;
                                }
                        }
                        if (k < sizeof(operators) / sizeof(operators[0])) {
                                at_start = false;
                                continue;
                        }
                }
                at_start = false;
                /* "TK__" -> "__" (a task's entity), then "." below. */
                if (i < len - 4 && starts(e + i, "TK__"))
                        i += 2;
                /* "__B_12__": an anonymous block, skipped up to its "__". */
                if (len - i > 5 && starts(e + i, "__B_") && is_digit(e[i + 4])) {
                        int k = i + 5;

                        while (k < len && is_digit(e[k]))
                                k++;
                        if (len - k > 2 && e[k] == '_' && e[k + 1] == '_')
                                i = k;
                }
                /* "_E12b", "_E12s": an entry's body or barrier. */
                if (len - i > 3 && e[i] == '_' && e[i + 1] == 'E' && is_digit(e[i + 2])) {
                        int k = i + 3;

                        while (k < len && is_digit(e[k]))
                                k++;
                        if (k < len && (e[k] == 'b' || e[k] == 's')) {
                                k++;
                                if (k == len || (k < len && e[k] == '_'))
                                        i = k;
                        }
                }
                /* "[a-z0-9]+N__": the N of a protected subprogram. */
                if (e[i] == 'N' && e[i + 1] == '_' && e[i + 2] == '_') {
                        int k = i - 1;

                        while (k >= 0 && (is_digit(e[k]) || is_lower(e[k])))
                                k--;
                        if (k < 0 || (k > 0 && e[k] == '_' && e[k - 1] == '_'))
                                i++;
                }
                if (e[i] == 'U' && is_xdigit(e[i + 1])) {
                        if (hex_char(e + i + 1, 2, d + o)) {
                                o++;
                                i += 3;
                                continue;
                        }
                } else if (e[i] == 'W' && is_xdigit(e[i + 1])) {
                        if (hex_char(e + i + 1, 4, d + o)) {
                                o++;
                                i += 5;
                                continue;
                        }
                } else if (e[i] == 'W' && e[i + 1] == 'W' && is_xdigit(e[i + 2])) {
                        if (hex_char(e + i + 2, 8, d + o)) {
                                o++;
                                i += 10;
                                continue;
                        }
                }
                if (e[i] == 'X' && i != 0 && is_alnum(e[i - 1])) {
                        /* "Xb", "Xn": body-nested packages, only at the end. */
                        do
                                i++;
                        while (i < len && (e[i] == 'b' || e[i] == 'n'));
                        if (i < len)
                                goto keep;
                } else if (i < len - 2 && e[i] == '_' && e[i + 1] == '_') {
                        d[o++] = '.';
                        at_start = true;
                        i += 2;
                } else {
                        /* Steps above may have moved i to the end, where gdb
                         * copies the terminating NUL: the name ends there. */
                        d[o++] = e[i];
                        i++;
                }
        }
        d[o] = 0;
        o = strlen(d);
        for (size_t k = 0; k < o; k++)
                if (is_upper(d[k]) || d[k] == ' ')
                        goto keep;
        if (suffix >= 0) {
                size_t sl = strlen(e + suffix);

                out = realloc(d, o + sl + 3);
                if (!out)
                        goto keep;
                d = out;
                d[o++] = '[';
                memcpy(d + o, e + suffix, sl);
                o += sl;
                d[o++] = ']';
                d[o] = 0;
        }
        return d;
keep:
        free(d);
        return NULL;
}

char *symb_minsym_print_name(const char *linkage) {
        char *d;

        if (!linkage)
                return NULL;
        d = symb_demangle(linkage);
        if (d)
                return d;
        d = ada_decode(linkage);
        if (d && strcmp(d, linkage) != 0)
                return d;
        free(d);
        return strdup(linkage);
}
