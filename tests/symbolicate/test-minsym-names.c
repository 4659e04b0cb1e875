/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-minsym-names.c: ELF symbol names as gdb 13 prints
 * them after a pointer or in a frame without debug info. Every expected
 * name below is what gdb printed for a data symbol of that name, made by
 *   int v __asm__("NAME") = 1;
 * and shown with `gdb -batch -ex 'print (void*)ADDR' a.out` under the C
 * locale (LANG unset): C++ names demangled, the rest through gdb's GNAT
 * decoder, which claims C names too (minsym-names.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "symb-internal.h"

static const struct {
        const char *elf, *gdb;
} cases[] = {
        /* What C and C++ programs really have. */
        { "main", "main" },
        { "args.1", "args" },                           /* GCC's function-local static */
        { "start_workers.args", "start_workers[args]" }, /* clang's */
        { "__PRETTY_FUNCTION__.0", "__PRETTY_FUNCTION__.0" },
        { "aVfs.101", "aVfs.101" },                     /* upper case: not GNAT's */
        { "foo.cold", "foo[cold]" },
        { "foo.part.0", "foo.part" },
        { "foo.isra.0", "foo.isra" },
        { "foo.constprop.0", "foo.constprop" },
        { "foo.cold.1", "foo.cold" },
        { "abc.1.2", "abc.1" },
        { "ab.c.d", "ab.c[d]" },
        { "a1.b", "a1[b]" },
        { "x.y9", "x.y9" },
        { "foo.bar.3", "foo.bar" },
        { "_ZN2ns1K1mEi", "ns::K::m(int)" },
        { "_ZL4sfunPKc", "sfun(char const*)" },
        /* GNAT's encodings, which C names can happen to match. */
        { "a__b__c", "a.b.c" },
        { "a.b__c", "a.b.c" },
        { "a___b", "a___b" },
        { "foo__", "foo__" },
        { "fooTB", "foo" },
        { "fooB", "foo" },
        { "fooTKB", "foo" },
        { "fooN", "foo" },
        { "barN__baz", "bar.baz" },
        { "foo_E1b", "foo" },
        { "fooTK__bar", "foo.bar" },
        { "foo__B_12__bar", "foo.bar" },
        { "foo$12", "foo" },
        { "foo__12", "foo" },
        { "foo___12", "foo" },
        { "foo___bar", "foo___bar" },
        { "foo___Xbar", "foo" },
        { "fooXb", "foo" },
        { "fooX", "foo" },
        { "fooXbn2", "fooXbn2" },
        { "Oadd", "\"+\"" },
        { "Oadd_x", "\"+\"_x" },
        { "Oand", "\"and\"" },
        { "getU16le", "get\x16le" },
        { "getU41", "getU41" },                         /* 'A': upper case again */
        { "getW0041x", "getW0041x" },
        { ".foo", "foo" },
        { "_ada_foo", "foo" },
        { "___ghost_foo", "foo" },
};

static void test_gdb_names(void **state) {
        (void) state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *got = symb_minsym_print_name(cases[i].elf);

                assert_non_null(got);
                if (strcmp(got, cases[i].gdb) != 0)
                        fail_msg("%s: gdb prints \"%s\", we \"%s\"", cases[i].elf, cases[i].gdb, got);
                free(got);
        }
}

/* Hostile names stay bounded and NUL-terminated. */
static void test_long_names(void **state) {
        size_t n = 100000;
        char *s = malloc(n + 1);

        (void) state;
        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
                s[i] = "a_O.N"[i % 5];
        s[n] = 0;
        char *got = symb_minsym_print_name(s);
        assert_non_null(got);
        free(got);
        memset(s, 'O', n);
        got = symb_minsym_print_name(s);
        assert_non_null(got);
        free(got);
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gdb_names),
                cmocka_unit_test(test_long_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
