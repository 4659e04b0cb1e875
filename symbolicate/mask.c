/* SPDX-License-Identifier: MIT */
/* symbolicate/mask.c: keeps secrets out of reports that leave the
 * machine. A variable whose name contains one of the mask words (any
 * case) has its value replaced; so has each member of a struct value
 * whose name matches, found by reading gdb's value syntax
 * ("{user = 0x.. \"bob\", password = 0x.. \"hunter2\"}"). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "symb-internal.h"

const char *const symb_default_mask[] = {
        "password", "passwd", "secret", "token", "api_key", "apikey",
        "auth", "credential", "cookie", "private", NULL,
};

bool symb_name_masked(const char *name, const char *const *mask) {
        if (!name || !mask)
                return false;
        for (size_t i = 0; mask[i]; i++)
                if (*mask[i] && strcasestr(name, mask[i]))
                        return true;
        return false;
}

/* The end of the "..." string starting at v[i]. */
static size_t skip_string(const char *v, size_t i, size_t n) {
        for (i++; i < n && v[i] != '"'; i++)
                if (v[i] == '\\' && i + 1 < n)
                        i++;
        return i < n ? i + 1 : n;
}

/* The end of a char literal ('A', '\n', '\377') at v[i], or i if the
 * apostrophe starts none (as in an error message's "can't"). */
static size_t skip_char(const char *v, size_t i, size_t n) {
        if (i + 2 < n && v[i + 1] != '\\' && v[i + 2] == '\'')
                return i + 3;
        if (i + 1 < n && v[i + 1] == '\\')
                for (size_t j = i + 2; j < n && j < i + 8; j++)
                        if (v[j] == '\'')
                                return j + 1;
        return i;
}

/* The end of the member value starting at v[i]: the ',' or '}' that
 * closes it at its own depth. */
static size_t skip_value(const char *v, size_t i, size_t n) {
        int depth = 0;

        while (i < n) {
                char c = v[i];
                size_t j;

                if (c == '"') {
                        i = skip_string(v, i, n);
                        continue;
                }
                if (c == '\'' && (j = skip_char(v, i, n)) != i) {
                        i = j;
                        continue;
                }
                if (c == '{')
                        depth++;
                else if (c == '}') {
                        if (depth == 0)
                                return i;
                        depth--;
                } else if (c == ',' && depth == 0)
                        return i;
                i++;
        }
        return n;
}

int symb_mask_members(const char *v, const char *const *mask, char **ret) {
        char *out = NULL;
        size_t len = 0, n, i = 0;
        bool member = false, changed = false;
        FILE *f;

        if (!v || !mask || !strchr(v, '{'))
                return 0;
        f = open_memstream(&out, &len);
        if (!f)
                return -ENOMEM;
        n = strlen(v);
        while (i < n) {
                char c = v[i];
                size_t j;

                if (c == '"') {
                        j = skip_string(v, i, n);
                        fwrite(v + i, 1, j - i, f);
                        i = j;
                        member = false;
                        continue;
                }
                if (c == '{' || (c == ',' && i + 1 < n && v[i + 1] == ' ')) {
                        j = c == '{' ? i + 1 : i + 2;
                        fwrite(v + i, 1, j - i, f);
                        i = j;
                        member = true;
                        continue;
                }
                if (member) {
                        member = false;
                        for (j = i; j < n && (isalnum((unsigned char) v[j]) || v[j] == '_'); j++)
                                ;
                        if (j > i && !isdigit((unsigned char) v[i]) && !strncmp(v + j, " = ", 3)) {
                                char *name = strndup(v + i, j - i);
                                bool m = !name || symb_name_masked(name, mask);

                                free(name);
                                if (m) {
                                        fwrite(v + i, 1, j + 3 - i, f);
                                        fputs(SYMB_MASKED, f);
                                        i = skip_value(v, j + 3, n);
                                        changed = true;
                                        continue;
                                }
                        }
                }
                fputc(c, f);
                i++;
        }
        if (fclose(f) != 0) {
                free(out);
                return -ENOMEM;
        }
        if (!changed) {
                free(out);
                return 0;
        }
        *ret = out;
        return 1;
}

const char *symb_var_shown_value(const struct symb_var *v, const char *const *mask, char **owned, bool *masked) {
        int r;

        *owned = NULL;
        *masked = true;
        if (symb_name_masked(v->name, mask))
                return SYMB_MASKED;
        if (!v->value) {
                *masked = false;
                return NULL;
        }
        r = symb_mask_members(v->value, mask, owned);
        if (r < 0)
                return SYMB_MASKED;     /* fail closed */
        *masked = r > 0;
        return r > 0 ? *owned : v->value;
}
