/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-cxx-names.c: symbolicate/cxx-names.c and cxx-parser.c
 * on any string, as a user's binary can hold any DW_AT_name and linkage
 * name. The canonical form of a string is at most twice its length plus a
 * little (cxx-names.c's buffer), and the canonical form of a name without
 * '<' is the name itself; a return type and a function's name lie inside
 * the string, and a function has a name before its parameters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cxx-names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), *n, *t;
        size_t len = 0;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        n = symb_cxx_canonical_name(s);
        t = symb_cxx_canonical_type(s);
        if (!n || !t)
                abort();
        if (strlen(n) > 2 * strlen(s) + 16 || strlen(t) > 2 * strlen(s) + 16)
                abort();
        if (!strchr(s, '<') && strcmp(n, s) != 0)
                abort();
        if (symb_cxx_return_type_length(s) > strlen(s))
                abort();
        if (symb_cxx_parse_name(s, &len) == SYMB_CXX_FUNCTION && (len == 0 || len >= strlen(s)))
                abort();
        free(n);
        free(t);
        free(s);
        return 0;
}
