/* SPDX-License-Identifier: MIT */
/* symbolicate/mask.c: the mask list and what formatters show of masked
 * variables and tags. Values are masked while they are printed
 * (variables.c for whole variables, values.c for struct and union
 * members), never by reading printed text back: a char '"' or a string
 * holding ", password = " would fool any such reader. */
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

void symb_strv_free(char **l) {
        for (char **p = l; p && *p; p++)
                free(*p);
        free(l);
}

char **symb_strv_copy(const char *const *l, bool *oom) {
        size_t n = 0;
        char **c;

        if (!l)
                return NULL;
        while (l[n])
                n++;
        c = calloc(n + 1, sizeof(*c));
        if (!c) {
                *oom = true;
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(l[i]))) {
                        symb_strv_free(c);
                        *oom = true;
                        return NULL;
                }
        return c;
}

const char *symb_var_shown_value(const struct symb_var *v, const char *const *mask, bool *masked) {
        *masked = v->masked;
        if (!v->masked && symb_name_masked(v->name, mask))
                *masked = true;
        if (*masked && !v->masked)
                return SYMB_MASKED;
        return v->value;
}

bool symb_tag_masked(const struct symb_report *r, const char *key, const char *const *mask) {
        return symb_name_masked(key, (const char *const *) r->mask) || symb_name_masked(key, mask);
}
