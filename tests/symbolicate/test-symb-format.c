/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/test-symb-format.c: the output side on reports built
 * by hand: masking of whole variables by name and of tags by the
 * report's own mask, the marks of what the limits cut, JSON escaping of
 * hostile names, Sentry's frame order, gdb's text layout, and the debug
 * id of Sentry's own schema example. (Struct members are masked while
 * values are printed: tests/symbolicate/run-symbolicate.py masking.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symb-internal.h"

static void test_name_masked(void **state) {
        assert_true(symb_name_masked("API_KEY", symb_default_mask));
        assert_true(symb_name_masked("user_password2", symb_default_mask));
        assert_true(symb_name_masked("session_cookie", symb_default_mask));
        assert_false(symb_name_masked("count", symb_default_mask));
        assert_false(symb_name_masked("password", NULL));
}

/* A report of one thread with two frames, by hand. */
struct hand {
        struct proto_dump d;
        struct proto_thread thread;
        struct symb_report r;
        struct symb_thread t;
        struct symb_frame f[2];
        struct symb_var v[3];
};

static void hand_init(struct hand *h) {
        memset(h, 0, sizeof(*h));
        h->thread.tid = 7;
        h->d.threads = &h->thread;
        h->d.n_threads = 1;
        h->d.has_exception = true;
        h->d.exception.thread_id = 7;
        h->d.exception.exception_record.exception_code = 11;
        h->d.exception.exception_record.exception_flags = 1;
        h->r.dump = &h->d;
        h->r.threads = &h->t;
        h->r.n_threads = 1;
        h->t.tid = 7;
        h->t.crashed = true;
        h->t.frames = h->f;
        h->t.n_frames = 2;
        h->f[0] = (struct symb_frame) {.pc = 0x1000, .function = (char *) "inner\x01\xff", .file = (char *) "/s/a.c",
                                       .line = 3, .has_debug_info = true, .vars = h->v, .n_vars = 3};
        h->f[1] = (struct symb_frame) {.pc = 0x2000, .function = (char *) "outer", .trust = SYMB_TRUST_CFI};
        h->v[0] = (struct symb_var) {.name = (char *) "n", .kind = SYMB_VAR_PARAM, .type = (char *) "int",
                                     .value = (char *) "42"};
        h->v[1] = (struct symb_var) {.name = (char *) "db_password", .kind = SYMB_VAR_LOCAL,
                                     .type = (char *) "const char *", .value = (char *) "0x10 \"hunter2\""};
        h->v[2] = (struct symb_var) {.name = (char *) "gone", .kind = SYMB_VAR_LOCAL, .type = (char *) "double",
                                     .reason = (char *) "optimized out"};
}

static char *format(struct hand *h, int which) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        if (which == 0)
                assert_int_equal(symb_format_text(f, &h->r), 0);
        else if (which == 1)
                assert_int_equal(symb_format_json(f, &h->r, symb_default_mask), 0);
        else
                assert_int_equal(symb_format_sentry(f, &h->r, symb_default_mask), 0);
        fclose(f);
        return buf;
}

static void test_text(void **state) {
        struct hand h;
        char *s;

        hand_init(&h);
        s = format(&h, 0);
        assert_non_null(strstr(s, "Signal: SIGSEGV (SEGV_MAPERR) at 0x0"));
        assert_non_null(strstr(s, "Thread 1 (7) [crashed]:\n"));
        /* Control bytes and bad UTF-8 never reach the terminal. */
        assert_non_null(strstr(s, "#0  0x0000000000001000 in inner\\x01\\xff (n=42) at /s/a.c:3\n"));
        /* A report made without a mask is shown as it is. */
        assert_non_null(strstr(s, "        db_password = 0x10 \"hunter2\"\n"));
        assert_non_null(strstr(s, "        gone = <optimized out>\n"));
        assert_non_null(strstr(s, "#1  0x0000000000002000 in outer ()\nNo symbol table info available.\n"));
        free(s);
}

static void test_json(void **state) {
        struct hand h;
        char *s;

        hand_init(&h);
        s = format(&h, 1);
        assert_non_null(strstr(s, "\"function\":\"inner\\u0001\\ufffd\""));
        assert_non_null(strstr(s, "{\"name\":\"db_password\",\"kind\":\"local\",\"type\":\"const char *\","
                                  "\"value\":\"[masked]\",\"reason\":null,\"masked\":true}"));
        assert_null(strstr(s, "hunter2"));
        assert_non_null(strstr(s, "\"value\":null,\"reason\":\"optimized out\""));
        assert_non_null(strstr(s, "\"crash\":{\"signal\":11,"));
        assert_non_null(strstr(s, "\"trust\":\"cfi\""));
        free(s);
}

static void test_sentry(void **state) {
        struct hand h;
        char *s, *outer, *inner;

        hand_init(&h);
        s = format(&h, 2);
        /* Oldest first. */
        outer = strstr(s, "\"instruction_addr\":\"0x2000\"");
        inner = strstr(s, "\"instruction_addr\":\"0x1000\"");
        assert_non_null(outer);
        assert_non_null(inner);
        assert_true(outer < inner);
        assert_non_null(strstr(s, "\"db_password\":\"[masked]\""));
        assert_non_null(strstr(s, "\"gone\":\"<optimized out>\""));
        assert_null(strstr(s, "hunter2"));
        assert_non_null(strstr(s, "\"type\":\"SIGSEGV\",\"value\":\"SEGV_MAPERR at 0x0\""));
        assert_null(strstr(s, "\"breadcrumbs\""));    /* none in the dump: no empty list */
        free(s);
}

/* Tags and breadcrumbs from the dump go into the event, secrets masked. */
static void test_sentry_tags_breadcrumbs(void **state) {
        struct proto_tag tags[2] = {{"release", "app@1.2"}, {"auth_token", "sekrit"}};
        struct proto_breadcrumb crumbs[2] = {
                {.time_ns = UINT64_C(1795330811000000000), .level = 1, .message = "opened the db"},
                {.time_ns = UINT64_C(1795330812000000000), .level = 3, .message = "lost \"it\""},
        };
        struct hand h;
        char *s, *first, *second;

        hand_init(&h);
        h.d.tags = tags;
        h.d.n_tags = 2;
        h.d.breadcrumbs = crumbs;
        h.d.n_breadcrumbs = 2;
        s = format(&h, 2);
        first = strstr(s, "opened the db");
        second = strstr(s, "lost \\\"it\\\"");
        assert_non_null(strstr(s, "\"breadcrumbs\":{\"values\":["));
        assert_non_null(first);
        assert_non_null(second);
        assert_true(first < second);                     /* oldest first, as Sentry wants */
        assert_non_null(strstr(s, "\"release\":\"app@1.2\""));
        assert_null(strstr(s, "sekrit"));
        free(s);
}

/* A report made with a mask shows its tags masked in text too, and what
 * the limits cut is marked in every output. */
static void test_report_mask_and_cuts(void **state) {
        struct proto_tag tags[1] = {{"auth_token", "sekrit"}};
        char *mask[] = {(char *) "token", NULL};
        struct hand h;
        char *s;

        hand_init(&h);
        h.d.tags = tags;
        h.d.n_tags = 1;
        h.r.mask = mask;
        h.r.n_threads_in_dump = 9;
        h.r.truncated = (char *) "9 threads in the dump, 1 listed (max_threads_listed 1), 1 with values";
        h.t.truncated = (char *) "variables left out: " SYMB_CUT_BYTES;
        h.f[0].vars_truncated = SYMB_CUT_BYTES;
        for (int which = 0; which < 3; which++) {
                s = format(&h, which);
                assert_null(strstr(s, "sekrit"));
                if (which == 0) {
                        assert_non_null(strstr(s, "Tags: auth_token=[masked]\n"));
                        assert_non_null(strstr(s, "Truncated: 9 threads in the dump, 1 listed"));
                        assert_non_null(strstr(s, "        <variables left out: " SYMB_CUT_BYTES ">\n"));
                        assert_non_null(strstr(s, "Truncated: variables left out: "));
                } else if (which == 1) {
                        assert_non_null(strstr(s, "\"threads_in_dump\":9,\"truncated\":\"9 threads"));
                        assert_non_null(strstr(s, "\"vars_truncated\":\"" SYMB_CUT_BYTES "\""));
                        assert_non_null(strstr(s, "\"truncated\":\"variables left out: "));
                } else {
                        assert_non_null(strstr(s, "\"crashd_truncated\":\"9 threads"));
                        assert_non_null(strstr(s, "\"truncated\":\"variables left out: "));
                }
                free(s);
        }
}

/* Sentry's schema documents code_id 68220ae2c65d65c1b6aaa12fa6765a6ec2f5f434
 * as debug_id e20a2268-5dc6-c165-b6aa-a12fa6765a6e. */
/* An uncaught C++ exception whose what() the dump lacks: every format
 * says so instead of inventing one, and no exception prints nothing. */
static void test_exception_unavailable(void **state) {
        struct hand h;
        struct symb_exception e = {
                .type = (char *) "std::length_error",
                .message_reason = "unavailable",
                .detail = (char *) "what()'s characters at 0x5000 are not in the dump",
                .type_from = "exception header",
                .thrown_by = "__cxa_throw",
                .object = 0x4000,
                .type_info = 0x7000,
        };
        char *s;

        hand_init(&h);
        h.d.exception.exception_record.exception_code = 6;
        h.d.exception.exception_record.exception_flags = (uint32_t) -6;
        s = format(&h, 0);
        assert_null(strstr(s, "terminate called"));
        free(s);
        s = format(&h, 1);
        assert_non_null(strstr(s, ",\"exception\":null}"));
        free(s);

        h.r.exception = &e;
        s = format(&h, 0);
        assert_non_null(strstr(s, "Signal: SIGABRT (SI_TKILL): Aborted\n"
                                  "terminate called after throwing an instance of 'std::length_error'\n"
                                  "  what():  <unavailable>\n"
                                  "Exception: object at 0x4000, thrown by __cxa_throw, type from the exception header; "
                                  "what()'s characters at 0x5000 are not in the dump\n"));
        free(s);
        s = format(&h, 1);
        assert_non_null(strstr(s, "\"exception\":{\"type\":\"std::length_error\",\"message\":null,"
                                  "\"message_reason\":\"unavailable\",\"value\":null,\"thrown_by\":\"__cxa_throw\","
                                  "\"dependent\":false,\"object\":\"0x4000\",\"type_info\":\"0x7000\","
                                  "\"type_from\":\"exception header\","
                                  "\"detail\":\"what()'s characters at 0x5000 are not in the dump\"}"));
        free(s);
        s = format(&h, 2);
        assert_non_null(strstr(s, "{\"type\":\"std::length_error\",\"value\":\"<unavailable>\","
                                  "\"mechanism\":{\"type\":\"cxx_exception\",\"handled\":false,"));
        assert_non_null(strstr(s, "\"meta\":{\"signal\":{\"number\":6,"));
        assert_non_null(strstr(s, "\"stacktrace\":{\"frames\":["));
        free(s);

        /* A type the dump does not tell, and no what(): said, not guessed. */
        e.type = NULL;
        e.message_reason = NULL;
        s = format(&h, 0);
        assert_non_null(strstr(s, "terminate called after throwing an instance of '<unknown type>'\nException:"));
        free(s);
}

static void test_debug_id(void **state) {
        static const uint8_t id[20] = {0x68, 0x22, 0x0a, 0xe2, 0xc6, 0x5d, 0x65, 0xc1, 0xb6, 0xaa,
                                       0xa1, 0x2f, 0xa6, 0x76, 0x5a, 0x6e, 0xc2, 0xf5, 0xf4, 0x34};
        struct symb_options o = {.no_system_debug = true};
        struct symb_context *c;
        struct symb_report *r;
        struct hand h;
        struct proto_module m = {.base = 0x400000, .size = 0x1000, .name = (char *) "/nonexistent/libx.so"};
        char err[128];

        hand_init(&h);
        memcpy(m.build_id, id, sizeof(id));
        m.build_id_size = sizeof(id);
        h.d.modules = &m;
        h.d.n_modules = 1;
        assert_int_equal(symb_context_new(&o, &c), 0);
        assert_int_equal(symb_symbolicate(c, &h.d, &r, err, sizeof(err)), 0);
        assert_string_equal(r->modules[0].build_id, "68220ae2c65d65c1b6aaa12fa6765a6ec2f5f434");
        assert_string_equal(r->modules[0].debug_id, "e20a2268-5dc6-c165-b6aa-a12fa6765a6e");
        assert_non_null(r->modules[0].problem);
        assert_non_null(strstr(r->modules[0].problem, "not found"));
        symb_report_free(r);
        symb_context_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_masked),  cmocka_unit_test(test_report_mask_and_cuts),
                cmocka_unit_test(test_text),         cmocka_unit_test(test_json),
                cmocka_unit_test(test_sentry),       cmocka_unit_test(test_exception_unavailable),
                cmocka_unit_test(test_sentry_tags_breadcrumbs),       cmocka_unit_test(test_debug_id),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
