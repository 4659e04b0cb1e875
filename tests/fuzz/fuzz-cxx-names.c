/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-cxx-names.c: symbolicate/cxx-names.c on any string, as a
 * user's binary can hold any DW_AT_name. The canonical form of a string is
 * at most twice its length plus a little (cxx-names.c's buffer), and the
 * canonical form of a name without '<' is the name itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cxx-names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), *n, *t;

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
        free(n);
        free(t);
        free(s);
        return 0;
}
