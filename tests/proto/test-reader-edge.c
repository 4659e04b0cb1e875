/* SPDX-License-Identifier: MIT */
/* tests/proto/test-reader-edge.c: what the reader makes of unusual but
 * well-formed input: small contexts, duplicate thread ids, newer (larger)
 * crashd records, fields without their NUL, padded lists, odd CodeView
 * records, odd md_strings, aliased strings, directory order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "writer.h"

/* A dump under construction: streams are added with the writer. */
struct mk {
        struct proto_buf b;
        struct proto_writer w;
};

static void mk_begin(struct mk *m) {
        assert_int_equal(proto_buf_map(&m->b, 8 << 20), 0);
        assert_int_equal(proto_writer_begin(&m->w, &m->b, 32, 0), 0);
}

static uint32_t mk_bytes(struct mk *m, const void *p, size_t n) {
        uint32_t rva;

        assert_int_equal(proto_buf_append(&m->b, p, n, 4, &rva), 0);
        return rva;
}

static void mk_stream(struct mk *m, uint32_t type, const void *p, size_t n) {
        assert_int_equal(proto_writer_add_blob(&m->w, type, p, n), 0);
}

static uint32_t mk_string(struct mk *m, const char *s) {
        uint32_t rva;

        assert_int_equal(proto_writer_string(&m->w, s, strlen(s), &rva), 0);
        return rva;
}

/* A list stream: count, pad bytes of padding, entries. */
static void mk_list(struct mk *m, uint32_t type, uint32_t count, const void *entries, size_t entry_size, size_t pad) {
        size_t n = 4 + pad + count * entry_size;
        uint8_t *p = malloc(n);

        memset(p, 0, n);
        memcpy(p, &count, 4);
        if (count > 0)
                memcpy(p + 4 + pad, entries, count * entry_size);
        mk_stream(m, type, p, n);
        free(p);
}

/* A crashd record stream: count, entry_size, entries. */
static void mk_records(struct mk *m, uint32_t type, uint32_t count, uint32_t entry_size, const void *entries) {
        size_t n = 8 + (size_t) count * entry_size;
        uint8_t *p = malloc(n);

        memcpy(p, &count, 4);
        memcpy(p + 4, &entry_size, 4);
        if (count > 0)
                memcpy(p + 8, entries, (size_t) count * entry_size);
        mk_stream(m, type, p, n);
        free(p);
}

static struct proto_dump *mk_parse(struct mk *m, const char *want_err) {
        struct proto_dump *d = NULL;
        char err[256] = "";
        int r;

        assert_int_equal(proto_writer_finish(&m->w), 0);
        r = proto_dump_parse(m->b.data, m->b.size, &d, err, sizeof(err));
        proto_buf_unmap(&m->b);
        if (want_err) {
                if (r >= 0)
                        fail_msg("parsed, wanted '%s'", want_err);
                if (strncmp(err, want_err, strlen(want_err)) != 0)
                        fail_msg("error '%s', wanted '%s'", err, want_err);
                return NULL;
        }
        if (r < 0)
                fail_msg("parse: %s", err);
        return d;
}

static uint32_t mk_context(struct mk *m, uint64_t rip, size_t size) {
        uint8_t *p = calloc(1, size > sizeof(struct md_context_amd64) ? size : sizeof(struct md_context_amd64));
        struct md_context_amd64 c = { .context_flags = MD_CONTEXT_AMD64_FULL, .rip = rip };
        uint32_t rva;

        memcpy(p, &c, size < sizeof(c) ? size : sizeof(c));
        rva = mk_bytes(m, p, size);
        free(p);
        return rva;
}

static void test_contexts(void **state) {
        struct mk m;
        struct md_thread t[3] = {};
        struct md_exception_stream e = { .thread_id = 7 };
        struct proto_dump *d;

        mk_begin(&m);
        t[0] = (struct md_thread) { .thread_id = 7,
                .thread_context = { sizeof(struct md_context_amd64), mk_context(&m, 0x1000, sizeof(struct md_context_amd64)) } };
        /* An x86 (716 bytes) or ARM64 (912) context: not ours to read. */
        t[1] = (struct md_thread) { .thread_id = 8, .thread_context = { 716, mk_context(&m, 0x2000, 716) } };
        /* A larger one (a newer layout with more at the end) is fine. */
        t[2] = (struct md_thread) { .thread_id = 9, .thread_context = { 2000, mk_context(&m, 0x3000, 2000) } };
        mk_list(&m, MD_STREAM_THREAD_LIST, 3, t, sizeof(t[0]), 0);
        /* The exception context is too small: the thread's own is used. */
        e.thread_context = (struct md_location) { 100, mk_context(&m, 0x4000, 100) };
        mk_stream(&m, MD_STREAM_EXCEPTION, &e, sizeof(e));
        d = mk_parse(&m, NULL);

        assert_true(d->threads[0].has_context);
        assert_false(d->threads[1].has_context);
        assert_true(d->threads[2].has_context);
        assert_int_equal(d->threads[2].context.rip, 0x3000);
        assert_true(d->has_exception);
        assert_false(d->has_exception_context);
        assert_ptr_equal(proto_dump_crashing_thread(d), &d->threads[0]);
        assert_int_equal(proto_thread_context(d, &d->threads[0])->rip, 0x1000);
        assert_null(proto_thread_context(d, &d->threads[1]));
        proto_dump_free(d);

        /* A context past the end of the file is an error, not skipped. */
        mk_begin(&m);
        t[0].thread_context = (struct md_location) { sizeof(struct md_context_amd64), 64 };
        mk_list(&m, MD_STREAM_THREAD_LIST, 1, t, sizeof(t[0]), 0);
        mk_parse(&m, "thread 0 (tid 7): context at 0x40 (1232 bytes) runs past the end of the file");

        mk_begin(&m);
        e.thread_context = (struct md_location) { 2000, 0x100000 };
        mk_stream(&m, MD_STREAM_EXCEPTION, &e, sizeof(e));
        mk_parse(&m, "exception: context at 0x100000 (2000 bytes) runs past the end of the file");

        mk_begin(&m);
        mk_stream(&m, MD_STREAM_EXCEPTION, &e, sizeof(e) - 1);
        mk_parse(&m, "exception: the stream has 167 bytes, needs 168");

        mk_begin(&m);
        t[0] = (struct md_thread) { .thread_id = 3, .stack = { UINT64_MAX - 3, { 8, 32 } } };
        mk_list(&m, MD_STREAM_THREAD_LIST, 1, t, sizeof(t[0]), 0);
        mk_parse(&m, "thread 0 (tid 3): stack 0xfffffffffffffffc + 8 wraps the address space");
}

static struct proto_thread_info info(uint32_t tid, const char *name, uint32_t source) {
        struct proto_thread_info ti = { .tid = tid, .context_source = source };

        strncpy(ti.name, name, sizeof(ti.name) - 1);
        return ti;
}

static void test_thread_info(void **state) {
        struct md_thread t[3] = { { .thread_id = 5 }, { .thread_id = 6 }, { .thread_id = 5 } };
        /* A newer writer's 128-byte entries; the extra bytes are ignored. */
        uint8_t entries[5][128];
        struct proto_thread_info_header h = { .version = 2, .count = 5, .entry_size = 128 };
        struct proto_thread_info ti;
        uint8_t stream[16 + sizeof(entries)];
        uint8_t xs[64];
        struct proto_dump *d;
        struct mk m;

        mk_begin(&m);
        /* Thread info listed before the thread list: order does not matter. */
        memset(xs, 0x5a, sizeof(xs));
        memset(entries, 0xee, sizeof(entries));
        ti = info(6, "six", PROTO_CONTEXT_PTRACE);
        ti.xstate_rva = mk_bytes(&m, xs, sizeof(xs));
        ti.xstate_size = sizeof(xs);
        memcpy(entries[0], &ti, sizeof(ti));
        ti = info(5, "five", PROTO_CONTEXT_UCONTEXT);
        memcpy(entries[1], &ti, sizeof(ti));
        ti = info(5, "five-again", PROTO_CONTEXT_CALLER);    /* duplicate: first wins */
        memcpy(entries[2], &ti, sizeof(ti));
        ti = info(99, "nobody", PROTO_CONTEXT_PTRACE);       /* no such thread: ignored */
        memcpy(entries[3], &ti, sizeof(ti));
        ti = info(6, "", 0);
        memset(ti.name, 'x', sizeof(ti.name));              /* no NUL: one is forced */
        memcpy(entries[4], &ti, sizeof(ti));
        memcpy(stream, &h, sizeof(h));
        memcpy(stream + 16, entries, sizeof(entries));
        mk_stream(&m, PROTO_STREAM_THREAD_INFO, stream, sizeof(stream));
        mk_list(&m, MD_STREAM_THREAD_LIST, 3, t, sizeof(t[0]), 0);
        d = mk_parse(&m, NULL);

        assert_int_equal(d->n_threads, 3);
        assert_true(d->threads[0].has_info);
        assert_string_equal(d->threads[0].info.name, "five");
        assert_int_equal(d->threads[0].info.context_source, PROTO_CONTEXT_UCONTEXT);
        assert_true(d->threads[1].has_info);
        assert_string_equal(d->threads[1].info.name, "six");
        assert_int_equal(d->threads[1].xstate.size, sizeof(xs));
        assert_memory_equal(d->threads[1].xstate.data, xs, sizeof(xs));
        /* The second thread with tid 5 gets nothing: entries match the first. */
        assert_false(d->threads[2].has_info);
        proto_dump_free(d);

        /* Unterminated name; and xstate past the end is an error. */
        mk_begin(&m);
        h.count = 1;
        ti = info(5, "", 0);
        memset(ti.name, 'x', sizeof(ti.name));
        memcpy(stream, &h, sizeof(h));
        memcpy(stream + 16, &ti, sizeof(ti));
        mk_stream(&m, PROTO_STREAM_THREAD_INFO, stream, 16 + 128);
        mk_list(&m, MD_STREAM_THREAD_LIST, 1, t, sizeof(t[0]), 0);
        d = mk_parse(&m, NULL);
        assert_string_equal(d->threads[0].info.name, "xxxxxxxxxxxxxxx");
        proto_dump_free(d);

        mk_begin(&m);
        ti.xstate_rva = 0x10000;
        ti.xstate_size = 16;
        memcpy(stream + 16, &ti, sizeof(ti));
        mk_stream(&m, PROTO_STREAM_THREAD_INFO, stream, 16 + 128);
        mk_parse(&m, "thread info: entry 0 (tid 5): xstate at 0x10000 (16 bytes) runs past the end of the file");

        mk_begin(&m);
        h.version = 0;
        memcpy(stream, &h, sizeof(h));
        mk_stream(&m, PROTO_STREAM_THREAD_INFO, stream, 16 + 128);
        mk_parse(&m, "thread info: version 0");
}

static void test_crash_info(void **state) {
        uint8_t big[400];
        struct proto_crash_info ci = { .version = 1, .si_signo = 6, .pid = 77 };
        struct proto_dump *d;
        struct mk m;

        /* Larger (newer) is read; the version string gets a NUL. */
        memset(ci.dumper_version, 'v', sizeof(ci.dumper_version));
        memset(big, 0xcc, sizeof(big));
        memcpy(big, &ci, sizeof(ci));
        mk_begin(&m);
        mk_stream(&m, PROTO_STREAM_CRASH_INFO, big, sizeof(big));
        d = mk_parse(&m, NULL);
        assert_true(d->has_crash_info);
        assert_int_equal(d->crash_info.si_signo, 6);
        assert_int_equal(d->crash_info.pid, 77);
        assert_int_equal(strlen(d->crash_info.dumper_version), 31);
        proto_dump_free(d);

        mk_begin(&m);
        mk_stream(&m, PROTO_STREAM_CRASH_INFO, big, 200);
        mk_parse(&m, "crash info: the stream has 200 bytes, needs 304");

        ci.version = 0;
        mk_begin(&m);
        mk_stream(&m, PROTO_STREAM_CRASH_INFO, &ci, sizeof(ci));
        mk_parse(&m, "crash info: version 0");
}

static void test_tags_breadcrumbs(void **state) {
        uint8_t tags[2][300], crumbs[1][260];
        struct proto_dump *d;
        struct mk m;

        memset(tags, 'k', sizeof(tags));            /* no NULs anywhere */
        memset(crumbs, 'm', sizeof(crumbs));
        memcpy(tags[1], "key\0", 4);
        memcpy(tags[1] + 64, "value\0", 6);
        mk_begin(&m);
        mk_records(&m, PROTO_STREAM_TAGS, 2, 300, tags);
        mk_records(&m, PROTO_STREAM_BREADCRUMBS, 1, 260, crumbs);
        d = mk_parse(&m, NULL);
        assert_int_equal(d->n_tags, 2);
        assert_int_equal(strlen(d->tags[0].key), 63);
        assert_int_equal(strlen(d->tags[0].value), 191);
        assert_string_equal(d->tags[1].key, "key");
        assert_string_equal(d->tags[1].value, "value");
        assert_int_equal(d->n_breadcrumbs, 1);
        assert_int_equal(strlen(d->breadcrumbs[0].message), 239);
        proto_dump_free(d);

        /* Zero records: fine, and nothing allocated. */
        mk_begin(&m);
        mk_records(&m, PROTO_STREAM_TAGS, 0, 256, NULL);
        d = mk_parse(&m, NULL);
        assert_int_equal(d->n_tags, 0);
        assert_null(d->tags);
        proto_dump_free(d);

        mk_begin(&m);
        mk_stream(&m, PROTO_STREAM_BREADCRUMBS, "\1\0\0", 3);
        mk_parse(&m, "breadcrumbs: the stream has 3 bytes, too few for its header");
}

/* The TLS stream: larger entries from a newer writer read; a DTV layout
 * the symbolicator could not index, or entries past the stream, are
 * refused. */
static void test_tls(void **state) {
        uint8_t stream[16 + 2 * 40] = {};
        struct proto_tls_header h = { .version = 1, .count = 2, .entry_size = 40,
                                      .dtv_entry_size = 16, .dtv_pointer_offset = 0 };
        struct proto_tls_module e = { .l_addr = 0x1000, .l_ld = 0x3e00, .modid = 1, .tls_offset = 0x10 };
        struct proto_dump *d;
        struct mk m;

        memcpy(stream, &h, sizeof(h));
        memcpy(stream + 16, &e, sizeof(e));
        e.modid = 2;
        e.tls_offset = UINT64_MAX;
        memcpy(stream + 16 + 40, &e, sizeof(e));
        mk_begin(&m);
        mk_stream(&m, PROTO_STREAM_TLS, stream, sizeof(stream));
        d = mk_parse(&m, NULL);
        assert_int_equal(d->n_tls_modules, 2);
        assert_int_equal(d->dtv_entry_size, 16);
        assert_int_equal(d->tls_modules[0].l_ld, 0x3e00);
        assert_int_equal(d->tls_modules[0].tls_offset, 0x10);
        assert_int_equal(d->tls_modules[1].modid, 2);
        assert_true(d->tls_modules[1].tls_offset == UINT64_MAX);
        proto_dump_free(d);

        h.dtv_pointer_offset = 12;
        memcpy(stream, &h, sizeof(h));
        mk_begin(&m);
        mk_stream(&m, PROTO_STREAM_TLS, stream, sizeof(stream));
        mk_parse(&m, "TLS: DTV entries of 16 bytes with the pointer at 12");

        h.dtv_pointer_offset = 0;
        h.count = 3;
        memcpy(stream, &h, sizeof(h));
        mk_begin(&m);
        mk_stream(&m, PROTO_STREAM_TLS, stream, sizeof(stream));
        mk_parse(&m, "TLS: 3 entries of 40 bytes need 136 bytes but the stream has 96");
}

static void test_modules(void **state) {
        struct md_module mod[6] = {};
        uint8_t cv[4 + 100];
        struct proto_dump *d;
        struct mk m;
        uint32_t sig = MD_CVINFOELF_SIGNATURE;

        mk_begin(&m);
        for (unsigned i = 0; i < sizeof(cv); i++)
                cv[i] = (uint8_t) i;
        memcpy(cv, &sig, 4);
        mod[0].module_name_rva = mk_string(&m, "/a");
        mod[0].cv_record = (struct md_location) { sizeof(cv), mk_bytes(&m, cv, sizeof(cv)) };  /* 100-byte id: cut to 64 */
        mod[1].module_name_rva = 0;                                                            /* no name: "" */
        mod[1].cv_record = (struct md_location) { 24, mk_bytes(&m, "RSDSxxxxxxxxxxxxxxxxxxxx", 24) }; /* PDB: no id */
        mod[2].module_name_rva = mk_string(&m, "/c");
        mod[2].cv_record = (struct md_location) { 3, mk_bytes(&m, "BpE", 3) };                  /* too short */
        mod[3].module_name_rva = mk_string(&m, "/d");
        mod[3].cv_record = (struct md_location) { 4, mk_bytes(&m, &sig, 4) };                    /* empty id */
        {
                /* An odd length (the last byte is ignored), lone surrogates. */
                static const uint16_t units[] = { 'o', 0xd800, 'k', 0xdc00, 0xd83d };
                uint8_t s[4 + sizeof(units) + 1];
                uint32_t len = sizeof(units) + 1;

                memcpy(s, &len, 4);
                memcpy(s + 4, units, sizeof(units));
                s[sizeof(s) - 1] = 'Z';
                mod[4].module_name_rva = mk_bytes(&m, s, sizeof(s));
        }
        {
                /* Longer than the reader keeps: cut at 16384 units. */
                size_t n = 20000;
                char *s = malloc(n + 1);

                memset(s, 'q', n);
                s[n] = 0;
                mod[5].module_name_rva = mk_string(&m, s);
                free(s);
        }
        /* With 4 bytes of padding after the count, as some writers align. */
        mk_list(&m, MD_STREAM_MODULE_LIST, 6, mod, sizeof(mod[0]), 4);
        d = mk_parse(&m, NULL);
        assert_int_equal(d->n_modules, 6);
        assert_string_equal(d->modules[0].name, "/a");
        assert_int_equal(d->modules[0].build_id_size, PROTO_BUILD_ID_MAX);
        assert_memory_equal(d->modules[0].build_id, cv + 4, PROTO_BUILD_ID_MAX);
        assert_string_equal(d->modules[1].name, "");
        assert_int_equal(d->modules[1].build_id_size, 0);
        assert_int_equal(d->modules[2].build_id_size, 0);
        assert_string_equal(d->modules[3].name, "/d");
        assert_int_equal(d->modules[3].build_id_size, 0);
        assert_string_equal(d->modules[4].name, "o\xef\xbf\xbdk\xef\xbf\xbd\xef\xbf\xbd");
        assert_int_equal(strlen(d->modules[5].name), 16384);
        proto_dump_free(d);

        mk_begin(&m);
        mod[0].module_name_rva = 0;
        mod[0].cv_record = (struct md_location) { 20, 0x7fffffff };
        mk_list(&m, MD_STREAM_MODULE_LIST, 1, mod, sizeof(mod[0]), 0);
        mk_parse(&m, "module 0: CodeView record at 0x7fffffff (20 bytes) runs past the end of the file");
}

static void test_aliased_strings(void **state) {
        /* 2000 modules all naming one 16384-unit string: each UTF-8 copy is
         * 48 KiB, 96 MiB in all from a 250 KB file. The budget stops it. */
        const uint32_t n = 2000;
        struct md_module *mod = calloc(n, sizeof(*mod));
        char *s = malloc(16385);
        uint32_t rva;
        struct mk m;

        memset(s, 'n', 16384);
        s[16384] = 0;
        mk_begin(&m);
        rva = mk_string(&m, s);
        for (uint32_t i = 0; i < n; i++)
                mod[i].module_name_rva = rva;
        mk_list(&m, MD_STREAM_MODULE_LIST, n, mod, sizeof(*mod), 0);
        mk_parse(&m, "module ");        /* "module N: strings hold more text than the file" */
        free(mod);
        free(s);
}

static void test_directory_order(void **state) {
        struct md_system_info si = { .processor_architecture = 9, .number_of_processors = 3 };
        struct proto_dump *d;
        struct mk m;

        mk_begin(&m);
        mk_stream(&m, 0x12345678, "x", 1);
        mk_stream(&m, MD_STREAM_UNUSED, "", 0);
        mk_stream(&m, MD_STREAM_SYSTEM_INFO, &si, sizeof(si));
        si.number_of_processors = 4;
        si.csd_version_rva = mk_string(&m, "second");
        mk_stream(&m, MD_STREAM_SYSTEM_INFO, &si, sizeof(si));
        mk_stream(&m, MD_STREAM_LINUX_MAPS, "", 0);
        d = mk_parse(&m, NULL);
        /* Unused entries are not listed; unknown ones are. */
        assert_int_equal(d->n_streams, 4);
        assert_int_equal(d->streams[0].type, 0x12345678);
        assert_int_equal(d->streams[1].type, MD_STREAM_SYSTEM_INFO);
        assert_int_equal(d->system_info.number_of_processors, 3);
        assert_null(d->os_version);             /* csd_version_rva 0: absent */
        assert_null(d->maps.data);              /* empty stream: absent */
        proto_dump_free(d);

        mk_begin(&m);
        mk_stream(&m, MD_STREAM_SYSTEM_INFO, &si, 55);
        mk_parse(&m, "system info: the stream has 55 bytes, needs 56");

        mk_begin(&m);
        mk_stream(&m, MD_STREAM_LINUX_DSO_DEBUG, &si, 35);
        mk_parse(&m, "DSO debug: the stream has 35 bytes, needs 36");

        mk_begin(&m);
        mk_stream(&m, MD_STREAM_MEMORY_LIST, "\0\0", 2);
        mk_parse(&m, "memory list: the stream has 2 bytes, too few for its count");

        /* Empty lists. */
        mk_begin(&m);
        mk_list(&m, MD_STREAM_THREAD_LIST, 0, NULL, 48, 0);
        mk_list(&m, MD_STREAM_MODULE_LIST, 0, NULL, 108, 0);
        mk_list(&m, MD_STREAM_MEMORY_LIST, 0, NULL, 16, 0);
        d = mk_parse(&m, NULL);
        assert_int_equal(d->n_threads + d->n_modules + d->n_memory, 0);
        assert_null(d->threads);
        assert_null(d->memory);
        proto_dump_free(d);
}

static void test_dso_debug(void **state) {
        struct md_raw_link_map lm[2] = { { .addr = 1, .ld = 2 }, { .addr = 3, .ld = 4 } };
        struct md_raw_debug dbg = { .version = 1, .dso_count = 2 };
        struct proto_dump *d;
        struct mk m;

        mk_begin(&m);
        lm[0].name = mk_string(&m, "/lib/one.so");
        lm[1].name = 0;
        dbg.map = mk_bytes(&m, lm, sizeof(lm));
        mk_stream(&m, MD_STREAM_LINUX_DSO_DEBUG, &dbg, sizeof(dbg));
        d = mk_parse(&m, NULL);
        assert_int_equal(d->n_link_maps, 2);
        assert_string_equal(d->link_maps[0].name, "/lib/one.so");
        assert_int_equal(d->link_maps[0].addr, 1);
        assert_int_equal(d->link_maps[0].ld, 2);
        assert_string_equal(d->link_maps[1].name, "");
        proto_dump_free(d);

        mk_begin(&m);
        lm[0].name = 0;
        lm[1].name = 0x7ffffff0;
        dbg.map = mk_bytes(&m, lm, sizeof(lm));
        mk_stream(&m, MD_STREAM_LINUX_DSO_DEBUG, &dbg, sizeof(dbg));
        mk_parse(&m, "DSO debug: link map 1: string at 0x7ffffff0 runs past the end of the file");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_contexts),
                cmocka_unit_test(test_thread_info),
                cmocka_unit_test(test_crash_info),
                cmocka_unit_test(test_tags_breadcrumbs),
                cmocka_unit_test(test_tls),
                cmocka_unit_test(test_modules),
                cmocka_unit_test(test_aliased_strings),
                cmocka_unit_test(test_directory_order),
                cmocka_unit_test(test_dso_debug),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
