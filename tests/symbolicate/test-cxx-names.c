/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-cxx-names.c: C++ names as gdb 13 spells them,
 * and which ones its backtrace prints without their parameters.
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

/* Frame names: a symbol's print name (the demangled linkage name less
 * its return types, or the name gdb computes) and what gdb 13's
 * backtrace shows for it, NULL for the whole name. Each pair is gdb's
 * output for tests/conformance/names.cc (gcc 12 and clang 14, -O0 and
 * -O2), for the computed names of GCC's functions without a linkage name
 * ("Local::run(int)", "struct {...} &"), or for a program of the other
 * constructs at g++ -std=gnu++20 -O0 (operators, conversions, literals in
 * template arguments, __int128). */
static const struct {
        const char *print, *frame;
} frames[] = {
        /* gdb's parser takes these: no parameters */
        { "main(int, char**)", "main" },
        { "(anonymous namespace)::crash_here((anonymous namespace)::Node const*, int)",
          "(anonymous namespace)::crash_here" },
        { "shop::Ledger::post(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, int)",
          "shop::Ledger::post" },
        { "variadic(int, ...)", "variadic" },
        { "via_ptr<int>(void (*)(int), int)", "via_ptr<int>" },
        { "arr_ref(int (&) [3])", "arr_ref" },
        { "member_ptr(int (K::*)(int), K*)", "member_ptr" },
        { "tc<(char)97>(int)", "tc<(char)97>" },
        { "lits<true, (char)-1, 1ul, -3l>(int)", "lits<true, (char)-1, 1ul, -3l>" },
        { "fnarg<&(bar(int))>(int)", "fnarg<&(bar(int))>" },
        { "shop::Item::Item(int, bool)", "shop::Item::Item" },
        { "A::~A()", "A::~A" },
        { "shop::Item::operator bool() const", "shop::Item::operator bool" },
        { "A::operator char const*() const", "A::operator char const*" },
        { "A::operator std::pair<int, int>() const", "A::operator std::pair<int, int>" },
        { "shop::operator<<(shop::Sink&, shop::Item const&)", "shop::operator<<" },
        { "A::operator->*(int)", "A::operator->*" },
        { "A::operator,(A const&)", "A::operator," },
        { "A::operator()()", "A::operator()" },
        { "A::operator[](int)", "A::operator[]" },
        { "A::operator new(unsigned long)", "A::operator new" },
        { "A::cvm() const volatile", "A::cvm" },
        { "misc_types(long double, wchar_t, bool, signed char, unsigned long long)", "misc_types" },
        { "i128(__int128)", "i128" },
        { "cv_restrict(int const* const*, char* restrict)", "cv_restrict" },
        { "g_memdata(int K::*, int)", "g_memdata" },
        { "g_refptrarr(int (*&) [3])", "g_refptrarr" },
        { "g_constfp(void (* const)(int), int)", "g_constfp" },
        { "Local::run(int)", "Local::run" },
        { "operator()(int) const", "operator()" },
        { "operator()<int>(int) const", "operator()<int>" },
        /* and these it cannot: the whole name */
        { "shop::Ledger::label[abi:cxx11](int)", NULL },
        { "shop::Ledger::label[abi:cxx11](int)::{lambda(int)#1}::operator()(int) const", NULL },
        { "std::__invoke_impl<int, shop::Ledger::label(int)::{lambda(int)#1}&, int>(std::__invoke_other, "
          "shop::Ledger::label(int)::{lambda(int)#1}&, int&&)", NULL },
        { "std::function<int (int)>::operator()(int) const", NULL },
        { "shop::Box<int>::apply(std::function<int (int)>) const", NULL },
        { "with_fn(std::function<int (int)>, int)", NULL },
        { "only_dots(...)", NULL },
        { "empty_pack<>()", NULL },
        { "tup<std::tuple<> >(int)", NULL },
        { "takes_null(decltype(nullptr), int)", NULL },
        { "noexcept_ptr(void (*)() noexcept, int)", NULL },
        { "shop::Item::poke(int) &", NULL },
        { "u128(unsigned __int128)", NULL },
        { "A::operator<=>(A const&) const", NULL },
        /* local names parse, but are not plain functions */
        { "inline_owner(int)::Local::run(int)", NULL },
        { "tlocal<int>(int)::Local::run(int)", NULL },
        { "relay(int)::$_0::operator()<int>(int) const", NULL },
        /* GCC's DW_AT_name spelling, gdb's type printer's */
        { "std::__invoke_impl<int, relay(int)::<lambda(int)>&, int>(std::__invoke_other, struct {...} &)", NULL },
        { "std::_Function_handler<int(int), relay(int)::<lambda(int)> >::_M_invoke(const std::_Any_data &, int &&)",
          NULL },
        /* no parameters: not a function (an inlined subroutine's
         * computed name) */
        { "std::__invoke_impl<int, relay(int)::<lambda(int)>&, int>", NULL },
        { "after_dots", NULL },
        /* not seen in a backtrace, from gdb's lexer and grammar: ">>"
         * closing two lists is a shift, a string literal an error,
         * the demangler's special names are not functions */
        { "f<A<int>>(int)", NULL },
        { "operator\"\"_km(unsigned long long)", NULL },
        { "vtable for A", NULL },
        { "non-virtual thunk to A::f()", NULL },
};

static void frame_names(void **state) {
        (void) state;
        for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
                size_t n = 99;
                enum symb_cxx_form f = symb_cxx_parse_name(frames[i].print, &n);

                if (frames[i].frame) {
                        if (f != SYMB_CXX_FUNCTION)
                                fail_msg("%s: not taken", frames[i].print);
                        assert_int_equal(n, strlen(frames[i].frame));
                        assert_memory_equal(frames[i].print, frames[i].frame, n);
                } else if (f == SYMB_CXX_FUNCTION)
                        fail_msg("%s: taken as %.*s", frames[i].print, (int) n, frames[i].print);
        }
        /* what else it parses */
        {
                size_t n;

                assert_int_equal(symb_cxx_parse_name("inline_owner(int)::Local::run(int)", &n), SYMB_CXX_OTHER);
                assert_int_equal(symb_cxx_parse_name("after_dots", &n), SYMB_CXX_OTHER);
                assert_int_equal(symb_cxx_parse_name("std::vector<int, std::allocator<int> >", &n), SYMB_CXX_OTHER);
                assert_int_equal(symb_cxx_parse_name("only_dots(...)", &n), SYMB_CXX_UNPARSED);
                assert_int_equal(symb_cxx_parse_name("", &n), SYMB_CXX_UNPARSED);
        }
}

/* __cxa_demangle's names of template functions (libstdc++ 12) and the
 * print names gdb's demangler makes of the same symbols (DMGL_RET_DROP),
 * as its backtrace showed them; names without a return type unchanged. */
static void return_types(void **state) {
        static const struct {
                const char *cxa, *gdb;
        } cxa[] = {
                { "int std::__invoke_impl<int, shop::Ledger::label(int)::{lambda(int)#1}&, int>(std::__invoke_other, "
                  "shop::Ledger::label(int)::{lambda(int)#1}&, int&&)",
                  "std::__invoke_impl<int, shop::Ledger::label(int)::{lambda(int)#1}&, int>(std::__invoke_other, "
                  "shop::Ledger::label(int)::{lambda(int)#1}&, int&&)" },
                { "std::enable_if<__and_<std::__not_<std::is_void<int> >, std::is_convertible<std::__invoke_result<"
                  "shop::Ledger::label[abi:cxx11](int)::{lambda(int)#1}&, int>::type, int> >::value, int>::type "
                  "std::__invoke_r<int, shop::Ledger::label[abi:cxx11](int)::{lambda(int)#1}&, int>("
                  "shop::Ledger::label[abi:cxx11](int)::{lambda(int)#1}&, int&&)",
                  "std::__invoke_r<int, shop::Ledger::label[abi:cxx11](int)::{lambda(int)#1}&, int>("
                  "shop::Ledger::label[abi:cxx11](int)::{lambda(int)#1}&, int&&)" },
                { "int via_ptr<int>(void (*)(int), int)", "via_ptr<int>(void (*)(int), int)" },
                { "int empty_pack<>()", "empty_pack<>()" },
                { "int tc<(char)97>(int)", "tc<(char)97>(int)" },
                { "decltype ({parm#1}.v+(1)) dret<A>(A)", "dret<A>(A)" },
                { "int fnarg<&(bar(int))>(int)", "fnarg<&(bar(int))>(int)" },
                { "auto relay(int)::{lambda(auto:1)#1}::operator()<int>(int) const",
                  "relay(int)::{lambda(auto:1)#1}::operator()<int>(int) const" },
                { "bool operator< <int>(A<int> const&, A<int> const&)", "operator< <int>(A<int> const&, A<int> const&)" },
                { "void f<int>()::Local::run(int)", "f<int>()::Local::run(int)" },
                /* unchanged */
                { "shop::Ledger::label[abi:cxx11](int)", "shop::Ledger::label[abi:cxx11](int)" },
                { "std::function<int (int)>::operator()(int) const", "std::function<int (int)>::operator()(int) const" },
                { "A::operator unsigned long() const", "A::operator unsigned long() const" },
                { "A::operator std::vector<int, std::allocator<int> >() const",
                  "A::operator std::vector<int, std::allocator<int> >() const" },
                { "(anonymous namespace)::crash_here((anonymous namespace)::Node const*, int)",
                  "(anonymous namespace)::crash_here((anonymous namespace)::Node const*, int)" },
                { "main", "main" },
                { "", "" },
                /* a function pointer's return type holds the name: left */
                { "void (*f<int>(int))(char)", "void (*f<int>(int))(char)" },
        };

        (void) state;
        for (size_t i = 0; i < sizeof(cxa) / sizeof(cxa[0]); i++)
                assert_string_equal(cxa[i].cxa + symb_cxx_return_type_length(cxa[i].cxa), cxa[i].gdb);
}

/* Hostile names: bounded, and an answer. */
static void hostile_frames(void **state) {
        char deep[8192];
        size_t n;

        (void) state;
        for (size_t i = 0; i < sizeof(deep) - 1; i++)
                deep[i] = "f<"[i % 2];
        deep[sizeof(deep) - 1] = '\0';
        assert_int_equal(symb_cxx_parse_name(deep, &n), SYMB_CXX_UNPARSED);
        assert_true(symb_cxx_return_type_length(deep) < sizeof(deep));
        for (size_t i = 0; i < sizeof(deep) - 2; i++)
                deep[i] = "f("[i % 2];
        deep[sizeof(deep) - 2] = ')';
        assert_int_equal(symb_cxx_parse_name(deep, &n), SYMB_CXX_UNPARSED);
        assert_true(symb_cxx_return_type_length(deep) < sizeof(deep));
        for (size_t i = 0; i < sizeof(deep) - 1; i++)
                deep[i] = ")>}]: "[i % 6];
        assert_int_equal(symb_cxx_parse_name(deep, &n), SYMB_CXX_UNPARSED);
        assert_true(symb_cxx_return_type_length(deep) < sizeof(deep));
        assert_int_equal(symb_cxx_parse_name("f(int (((((((((((((((((((((*))))))))))))))))))))))", &n),
                         SYMB_CXX_FUNCTION);
        assert_int_equal(symb_cxx_parse_name("'", &n), SYMB_CXX_UNPARSED);
        assert_int_equal(symb_cxx_parse_name("f<'\\", &n), SYMB_CXX_UNPARSED);
        assert_int_equal(symb_cxx_parse_name("f<1zz>()", &n), SYMB_CXX_UNPARSED);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(canonical_names),
                cmocka_unit_test(canonical_types),
                cmocka_unit_test(hostile_names),
                cmocka_unit_test(frame_names),
                cmocka_unit_test(return_types),
                cmocka_unit_test(hostile_frames),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
