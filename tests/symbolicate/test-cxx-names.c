/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-cxx-names.c: C++ names as gdb 13 spells them.
 * Every left side is a DW_AT_name clang 14 wrote, every right side what
 * gdb printed for it as a base class label (`gdb -batch -ex 'print d'` on
 * a struct D deriving from each, compiled with clang++-14 -g), or for the
 * gtest cases in tests/realworld. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cxx-names.h"

static const struct {
        const char *dwarf, *gdb;
} names[] = {
        { "B<0UL, const char *>", "B<0ul, char const*>" },
        { "C<-3L, int (*)(const char *, int), true>", "C<-3l, int (*)(char const*, int), true>" },
        { "E<const int &>", "E<int const&>" },
        { "E<unsigned long long>", "E<unsigned long long>" },
        { "E<const char *const *>", "E<char const* const*>" },
        { "G<0>", "G<0>" },
        /* Integer types of several words, as the demangler names them
         * (gdb 13: std::forward_list<long int> reads
         * "std::forward_list<long, std::allocator<long> >"). */
        { "std::allocator<long unsigned int>", "std::allocator<unsigned long>" },
        { "E<long int, short int, short unsigned int>", "E<long, short, unsigned short>" },
        { "E<long long int, long long unsigned int, unsigned int>", "E<long long, unsigned long long, unsigned int>" },
        { "E<signed char, char, unsigned char>", "E<signed char, char, unsigned char>" },
        { "E<const long int *>", "E<long const*>" },
        { "E<int[4]>", "E<int [4]>" },
        { "E<E<const int> >", "E<E<int const> >" },
        { "E<int (K::*)(int)>", "E<int (K::*)(int)>" },
        { "E<void (int)>", "E<void (int)>" },
        { "E<int &&>", "E<int&&>" },
        { "E<volatile char *>", "E<char volatile*>" },
        { "E<const volatile int *>", "E<int const volatile*>" },
        { "E<char *const>", "E<char* const>" },
        { "E<bool (*)()>", "E<bool (*)()>" },
        { "_Tuple_impl<0UL, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > *, "
          "std::default_delete<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > > >",
          "_Tuple_impl<0ul, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >*, "
          "std::default_delete<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > > >" },
        /* No template arguments: as it is. */
        { "Shape", "Shape" },
        { "(anonymous namespace)", "(anonymous namespace)" },
};

static void canonical_names(void **state) {
        (void) state;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                char *c = symb_cxx_canonical_name(names[i].dwarf);

                assert_non_null(c);
                assert_string_equal(c, names[i].gdb);
                free(c);
        }
}

/* Parameter types in function print names: "c_check(char const*, int)". */
static void canonical_types(void **state) {
        static const struct {
                const char *in, *gdb;
        } types[] = {
                { "const char *", "char const*" },
                { "char **", "char**" },
                { "const geo::Shape &", "geo::Shape const&" },
                { "int", "int" },
                { "unsigned long", "unsigned long" },
                /* A C++ base type's DW_AT_name, as gdb names the type. */
                { "long unsigned int", "unsigned long" },
                { "long int *", "long*" },
                { "void (*)(const geo::Shape &, int, const char *)", "void (*)(geo::Shape const&, int, char const*)" },
        };

        (void) state;
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
                char *c = symb_cxx_canonical_type(types[i].in);

                assert_non_null(c);
                assert_string_equal(c, types[i].gdb);
                free(c);
        }
}

/* Unbalanced or absurdly nested names from a hostile file: bounded, and
 * some string comes back. */
static void hostile_names(void **state) {
        char deep[4096];
        char *c;

        (void) state;
        for (size_t i = 0; i < sizeof(deep) - 1; i++)
                deep[i] = i % 2 ? '<' : 'a';
        deep[sizeof(deep) - 1] = '\0';
        c = symb_cxx_canonical_name(deep);
        assert_non_null(c);
        free(c);
        c = symb_cxx_canonical_name("A<B<C, (D>");
        assert_non_null(c);
        free(c);
        c = symb_cxx_canonical_type("const const const const const const *");
        assert_non_null(c);
        free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(canonical_names),
                cmocka_unit_test(canonical_types),
                cmocka_unit_test(hostile_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
