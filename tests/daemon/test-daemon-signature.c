/* SPDX-License-Identifier: MIT */
/* tests/daemon/test-daemon-signature.c: crash signatures (daemon/signature.c)
 * from made-up reports: the machinery of a crash is skipped, in-app frames
 * kept, parameter lists and clone suffixes stripped, recursion collapsed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "signature.h"

#define EXE "/home/u/src/app/server"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define STDCXX "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"
#define CRASHDUMP "/home/u/build/dumper/libcrashdump.so.0.1.0"
#define APPLIB "/opt/app/lib/libengine.so"

struct f {
        const char *function;
        const char *module;
};

static char *sig_exc(const struct f *frames, size_t n, unsigned max, const char *exception_type) {
        struct symb_frame fr[32] = {};
        struct symb_thread threads[2] = {};
        struct symb_module modules[1] = {};
        struct symb_report r = {};
        char *s = NULL;

        assert_true(n <= 32);
        for (size_t i = 0; i < n; i++) {
                fr[i].function = (char *) frames[i].function;
                fr[i].module = frames[i].module;
                fr[i].module_base = 0x1000;
                fr[i].pc = 0x1234 + i;
        }
        /* An idle thread first: the crashed flag, not the order, decides. */
        threads[0] = (struct symb_thread) { .tid = 1 };
        threads[1] = (struct symb_thread) { .tid = 2, .crashed = true, .frames = fr, .n_frames = n };
        modules[0] = (struct symb_module) { .name = EXE };
        r.threads = threads;
        r.n_threads = 2;
        r.modules = modules;
        r.n_modules = 1;
        struct symb_exception e = { .type = (char *) exception_type, .thrown_by = "__cxa_throw" };
        if (exception_type)
                r.exception = &e;
        assert_int_equal(signature_from_report(&r, max, &s), 0);
        return s;
}

static char *sig_of(const struct f *frames, size_t n, unsigned max) {
        return sig_exc(frames, n, max, NULL);
}

#define ASSERT_SIG(expected, max, ...)                                                  \
        do {                                                                            \
                static const struct f frames_[] = { __VA_ARGS__ };                      \
                char *s_ = sig_of(frames_, sizeof(frames_) / sizeof(frames_[0]), max);  \
                assert_string_equal(s_, expected);                                      \
                free(s_);                                                               \
        } while (0)

static void test_plain(void **state) {
        ASSERT_SIG("charge | checkout | process", 3,
                   { "charge", EXE }, { "checkout", EXE }, { "process", EXE }, { "main", EXE },
                   { "__libc_start_call_main", LIBC });
}

static void test_abort_and_assert_skipped(void **state) {
        ASSERT_SIG("parse_order | main", 3,
                   { "__pthread_kill_implementation", LIBC }, { "raise", LIBC }, { "abort", LIBC },
                   { "__assert_fail_base", LIBC }, { "__assert_fail", LIBC },
                   { "parse_order", EXE }, { "main", EXE }, { "__libc_start_main_impl", LIBC });
}

static void test_cxx_throw_skipped(void **state) {
        ASSERT_SIG("Parser::parse | run", 2,
                   { "raise", LIBC }, { "abort", LIBC }, { "__gnu_cxx::__verbose_terminate_handler()", STDCXX },
                   { "__cxxabiv1::__terminate(void (*)())", STDCXX }, { "std::terminate()", STDCXX },
                   { "__cxa_throw", STDCXX }, { "Parser::parse(std::string const&) const", EXE },
                   { "run(int, char**)", EXE });
}

/* Two crashes from the same throw site: the exception type tells them
 * apart, and equal types group together. */
static void test_cxx_exception_type_joins(void **state) {
        static const struct f frames[] = {
                { "raise", LIBC }, { "abort", LIBC }, { "std::terminate()", STDCXX }, { "__cxa_throw", STDCXX },
                { "ledger::withdraw(char const*)", EXE }, { "ledger::transfer(char const*)", EXE }, { "main", EXE },
        };
        size_t n = sizeof(frames) / sizeof(frames[0]);
        char *a = sig_exc(frames, n, 2, "std::runtime_error");
        char *b = sig_exc(frames, n, 2, "std::out_of_range");
        char *c = sig_exc(frames, n, 2, "std::runtime_error");
        char *none = sig_exc(frames, n, 2, NULL);

        assert_string_equal(a, "std::runtime_error | ledger::withdraw | ledger::transfer");
        assert_string_equal(b, "std::out_of_range | ledger::withdraw | ledger::transfer");
        assert_string_not_equal(a, b);
        assert_string_equal(a, c);
        assert_string_equal(none, "ledger::withdraw | ledger::transfer");
        free(a);
        free(b);
        free(c);
        free(none);
        /* A type the dump did not tell adds nothing. */
        a = sig_exc(frames, n, 2, "");
        assert_string_equal(a, "ledger::withdraw | ledger::transfer");
        free(a);
}

static void test_noise_in_app_skipped_only_on_top(void **state) {
        /* A static program: abort is in the executable. It is noise on
         * top, but a real frame below the first kept one stays. */
        ASSERT_SIG("check | abort | main", 3,
                   { "raise", EXE }, { "abort", EXE }, { "check", EXE }, { "abort", EXE }, { "main", EXE });
}

static void test_crashdump_frames_skipped(void **state) {
        ASSERT_SIG("on_error | main", 3,
                   { "crashdump_write_dump", CRASHDUMP }, { "dumper_something", CRASHDUMP },
                   { "on_error", EXE }, { "main", EXE });
}

static void test_library_frames_between_kept_out(void **state) {
        /* qsort calls back into the program: the libc frames in between are
         * not part of the signature. */
        ASSERT_SIG("compare | sort_orders | main", 3,
                   { "compare", EXE }, { "msort_with_tmp", LIBC }, { "qsort_r", LIBC },
                   { "sort_orders", EXE }, { "main", EXE });
}

static void test_recursion_collapsed(void **state) {
        ASSERT_SIG("walk | visit | main", 3,
                   { "walk(node*)", EXE }, { "walk(node*)", EXE }, { "walk(node*)", EXE },
                   { "visit", EXE }, { "visit", EXE }, { "main", EXE });
}

static void test_clone_suffixes(void **state) {
        ASSERT_SIG("process | checkout | main", 3,
                   { "process.constprop.0", EXE }, { "checkout.isra.0", EXE }, { "main.cold", EXE });
}

static void test_unnamed_frames(void **state) {
        ASSERT_SIG("libengine.so+0x234 | server+0x235", 2, { NULL, APPLIB }, { NULL, EXE });
        ASSERT_SIG("0x1234", 1, { NULL, NULL });
}

static void test_library_only_falls_back(void **state) {
        /* No in-app frame at all: the top frames, noise aside. */
        ASSERT_SIG("__memmove_avx_unaligned_erms | start_thread", 2,
                   { "raise", LIBC }, { "__memmove_avx_unaligned_erms", LIBC }, { "start_thread", LIBC });
}

static void test_no_frames(void **state) {
        char *s = sig_of(NULL, 0, 3);

        assert_string_equal(s, "<no frames>");
        free(s);
}

static void test_non_system_library_is_in_app(void **state) {
        ASSERT_SIG("Engine::step | main", 2, { "Engine::step(double)", APPLIB }, { "main", EXE });
}

static void norm(const char *in, const char *out) {
        char buf[256];

        signature_normalize_function(in, buf, sizeof(buf));
        assert_string_equal(buf, out);
}

static void test_normalize(void **state) {
        norm("foo", "foo");
        norm("foo(int, char)", "foo");
        norm("ns::A::f(int) const", "ns::A::f");
        norm("ns::A::operator()(int) const", "ns::A::operator()");
        norm("operator<<(std::ostream&, X const&)", "operator<<");
        norm("X::operator<(X const&) const", "X::operator<");
        norm("X::operator->() const", "X::operator->");
        norm("X::operator[](unsigned long)", "X::operator[]");
        norm("(anonymous namespace)::helper(int)", "(anonymous namespace)::helper");
        norm("std::function<void (int)>::operator()(int) const", "std::function<void (int)>::operator()");
        norm("main::{lambda(int)#1}::operator()(int) const", "main::{lambda(int)#1}::operator()");
        norm("void apply<Foo>(Foo&)", "void apply<Foo>");
        norm("process.constprop.0", "process");
        norm("process.part.0.isra.0", "process");
        norm("", "");
}

static void test_system_modules(void **state) {
        assert_true(signature_module_is_system(LIBC, EXE));
        assert_true(signature_module_is_system("/lib64/ld-linux-x86-64.so.2", EXE));
        assert_true(signature_module_is_system(CRASHDUMP, EXE));
        assert_true(signature_module_is_system("linux-gate.so", EXE));
        assert_false(signature_module_is_system(EXE, EXE));
        assert_false(signature_module_is_system(APPLIB, EXE));
        assert_false(signature_module_is_system(NULL, EXE));
        /* A program installed under /usr/lib is still the program. */
        assert_false(signature_module_is_system("/usr/lib/app/app", "/usr/lib/app/app"));
        assert_true(signature_module_is_system("/usr/lib/app/libfoo.so", "/usr/lib/app/app"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain),
                cmocka_unit_test(test_abort_and_assert_skipped),
                cmocka_unit_test(test_cxx_throw_skipped),
                cmocka_unit_test(test_cxx_exception_type_joins),
                cmocka_unit_test(test_noise_in_app_skipped_only_on_top),
                cmocka_unit_test(test_crashdump_frames_skipped),
                cmocka_unit_test(test_library_frames_between_kept_out),
                cmocka_unit_test(test_recursion_collapsed),
                cmocka_unit_test(test_clone_suffixes),
                cmocka_unit_test(test_unnamed_frames),
                cmocka_unit_test(test_library_only_falls_back),
                cmocka_unit_test(test_no_frames),
                cmocka_unit_test(test_non_system_library_is_in_app),
                cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_system_modules),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
