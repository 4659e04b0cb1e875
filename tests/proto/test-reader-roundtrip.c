/* SPDX-License-Identifier: MIT */
/* tests/proto/test-reader-roundtrip.c: the sample dump (every stream kind)
 * goes through proto_writer and proto_zstd_write into a file, comes back
 * through proto_dump_load, and every field is what was written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "sample-dump.h"

static struct proto_buf buf;

static int setup(void **state) {
        return proto_buf_map(&buf, 1 << 20);
}

static int teardown(void **state) {
        proto_buf_unmap(&buf);
        return 0;
}

static void check_range(const uint8_t *data, uint64_t start, size_t n) {
        assert_non_null(data);
        for (size_t i = 0; i < n; i++)
                if (data[i] != sample_byte(start + i))
                        fail_msg("byte %zu of the range at 0x%llx: 0x%02x, want 0x%02x", i,
                                 (unsigned long long) start, data[i], sample_byte(start + i));
}

static void check_blob(const struct proto_blob *b, const char *want, size_t n) {
        assert_int_equal(b->size, n);
        assert_non_null(b->data);
        assert_memory_equal(b->data, want, n);
}

static void check_build_id(const struct proto_module *m, unsigned module) {
        assert_int_equal(m->build_id_size, SAMPLE_BUILD_ID_SIZE);
        for (unsigned i = 0; i < SAMPLE_BUILD_ID_SIZE; i++)
                assert_int_equal(m->build_id[i], sample_build_id_byte(module, i));
}

static void check_streams(const struct proto_dump *d, enum sample_variant v) {
        static const struct proto_stream_entry want[] = {
                { MD_STREAM_THREAD_LIST, 0, 4 + 3 * sizeof(struct md_thread) },
                { MD_STREAM_MODULE_LIST, 0, 4 + 3 * sizeof(struct md_module) },
                { MD_STREAM_MEMORY_LIST, 0, 4 + 3 * sizeof(struct md_memory_descriptor) },
                { MD_STREAM_EXCEPTION, 0, sizeof(struct md_exception_stream) },
                { MD_STREAM_SYSTEM_INFO, 0, sizeof(struct md_system_info) },
                { MD_STREAM_LINUX_CPU_INFO, 0, sizeof(SAMPLE_CPU_INFO) - 1 },
                { MD_STREAM_LINUX_PROC_STATUS, 0, sizeof(SAMPLE_STATUS) - 1 },
                { MD_STREAM_LINUX_LSB_RELEASE, 0, sizeof(SAMPLE_LSB) - 1 },
                { MD_STREAM_LINUX_CMD_LINE, 0, sizeof(SAMPLE_CMDLINE) - 1 },
                { MD_STREAM_LINUX_ENVIRON, 0, sizeof(SAMPLE_ENVIRON) - 1 },
                { MD_STREAM_LINUX_AUXV, 0, 48 },
                { MD_STREAM_LINUX_MAPS, 0, sizeof(SAMPLE_MAPS) - 1 },
                { MD_STREAM_LINUX_DSO_DEBUG, 0, sizeof(struct md_raw_debug) },
                { PROTO_STREAM_CRASH_INFO, 0, sizeof(struct proto_crash_info) },
                { PROTO_STREAM_THREAD_INFO, 0, 16 + 3 * sizeof(struct proto_thread_info) },
                { PROTO_STREAM_TAGS, 0, 8 + 2 * sizeof(struct proto_tag) },
                { PROTO_STREAM_BREADCRUMBS, 0, 8 + 2 * sizeof(struct proto_breadcrumb) },
                { MD_STREAM_SYSTEM_INFO, 0, sizeof(struct md_system_info) },
                { SAMPLE_UNKNOWN_STREAM, 0, 2 },
        };
        size_t n = v == SAMPLE_BREAKPAD ? 13 : sizeof(want) / sizeof(want[0]);

        assert_int_equal(d->header.stream_count, n);
        assert_int_equal(d->n_streams, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(d->streams[i].type, want[i].type);
                assert_int_equal(d->streams[i].size, want[i].size);
                assert_true(d->streams[i].rva >= 32 && d->streams[i].rva + d->streams[i].size <= d->file_size);
        }
}

static void check_threads(const struct proto_dump *d, enum sample_variant v) {
        const struct proto_thread *t;
        const struct md_context_amd64 *c;

        assert_int_equal(d->n_threads, 3);

        t = &d->threads[0];
        assert_int_equal(t->tid, SAMPLE_TID_MAIN);
        assert_true(t->has_context);
        assert_int_equal(t->context.context_flags, MD_CONTEXT_AMD64_FULL);
        assert_int_equal(t->context.rip, SAMPLE_MAIN_RIP);
        assert_int_equal(t->context.rsp, SAMPLE_MAIN_RSP);
        assert_int_equal(t->context.rbp, SAMPLE_MAIN_RSP + 0x40);
        assert_int_equal(t->context.rax, 0x1111);
        assert_int_equal(t->context.r15, 0xf15);
        assert_int_equal(t->context.eflags, 0x246);
        assert_int_equal(t->context.flt_save.mx_csr, 0x1f80);
        assert_int_equal(t->stack.start, SAMPLE_MAIN_RSP);
        assert_int_equal(t->stack.size, SAMPLE_MAIN_STACK_SIZE);
        check_range(t->stack.data, SAMPLE_MAIN_RSP, SAMPLE_MAIN_STACK_SIZE);
        assert_null(t->xstate.data);
        assert_int_equal(t->xstate.size, 0);
        assert_ptr_equal(proto_thread_context(d, t), &t->context);

        t = &d->threads[1];
        assert_int_equal(t->tid, SAMPLE_TID_CRASH);
        assert_true(t->has_context);
        assert_int_equal(t->context.rip, SAMPLE_CRASH_RIP);
        assert_int_equal(t->stack.start, SAMPLE_CRASH_RSP);
        assert_int_equal(t->stack.size, SAMPLE_CRASH_STACK_SIZE);
        check_range(t->stack.data, SAMPLE_CRASH_RSP, SAMPLE_CRASH_STACK_SIZE);
        assert_ptr_equal(proto_dump_crashing_thread(d), t);
        /* For the crashed thread, the handler's context wins. */
        c = proto_thread_context(d, t);
        assert_ptr_equal(c, &d->exception_context);
        assert_int_equal(c->rip, SAMPLE_CRASH_EXC_RIP);

        t = &d->threads[2];
        assert_int_equal(t->tid, SAMPLE_TID_IDLE);
        assert_false(t->has_context);
        assert_null(t->stack.data);
        assert_int_equal(t->stack.size, 0);
        assert_null(proto_thread_context(d, t));

        for (size_t i = 0; i < 3; i++) {
                t = &d->threads[i];
                if (v == SAMPLE_BREAKPAD) {
                        assert_false(t->has_info);
                        continue;
                }
                assert_true(t->has_info);
                assert_int_equal(t->info.tid, t->tid);
                assert_int_equal(t->info.fs_base, 0x7f3000000000 + i * 0x1000);
        }
        if (v == SAMPLE_BREAKPAD)
                return;
        assert_string_equal(d->threads[0].info.name, "main");
        assert_int_equal(d->threads[0].info.context_source, PROTO_CONTEXT_PTRACE);
        assert_int_equal(d->threads[0].info.flags, 0);
        assert_string_equal(d->threads[1].info.name, "worker");
        assert_int_equal(d->threads[1].info.context_source, PROTO_CONTEXT_UCONTEXT);
        assert_int_equal(d->threads[1].info.flags, PROTO_THREAD_CRASHED);
        assert_int_equal(d->threads[1].info.xstate_size, SAMPLE_XSTATE_SIZE);
        assert_int_equal(d->threads[1].xstate.size, SAMPLE_XSTATE_SIZE);
        check_range(d->threads[1].xstate.data, 0, SAMPLE_XSTATE_SIZE);
        assert_string_equal(d->threads[2].info.name, "idle-thread-nam");
        assert_int_equal(d->threads[2].info.context_source, PROTO_CONTEXT_NONE);
}

static void check_modules(const struct proto_dump *d) {
        assert_int_equal(d->n_modules, 3);
        assert_string_equal(d->modules[0].name, SAMPLE_EXE);
        assert_int_equal(d->modules[0].base, SAMPLE_EXE_BASE);
        assert_int_equal(d->modules[0].size, SAMPLE_EXE_SIZE);
        check_build_id(&d->modules[0], 0);
        assert_string_equal(d->modules[1].name, SAMPLE_LIBC);
        assert_int_equal(d->modules[1].base, SAMPLE_LIBC_BASE);
        assert_int_equal(d->modules[1].size, SAMPLE_LIBC_SIZE);
        check_build_id(&d->modules[1], 1);
        /* Non-ASCII, with a character outside the BMP (a surrogate pair). */
        assert_string_equal(d->modules[2].name, SAMPLE_ODD_NAME);
        assert_int_equal(d->modules[2].base, SAMPLE_ODD_BASE);
        assert_int_equal(d->modules[2].size, SAMPLE_ODD_SIZE);
        assert_int_equal(d->modules[2].build_id_size, 0);
}

static void check_memory(const struct proto_dump *d) {
        static const struct { uint64_t start, size; } want[] = {
                { SAMPLE_CODE_START, SAMPLE_CODE_SIZE },
                { SAMPLE_HEAP_START, SAMPLE_HEAP_SIZE },
                { SAMPLE_MAIN_RSP, SAMPLE_MAIN_STACK_SIZE },    /* from the thread list only */
                { SAMPLE_CRASH_RSP, SAMPLE_CRASH_STACK_SIZE },  /* in both: kept once */
        };
        uint8_t out[1024];

        assert_int_equal(d->n_memory, 4);
        for (size_t i = 0; i < 4; i++) {
                assert_int_equal(d->memory[i].start, want[i].start);
                assert_int_equal(d->memory[i].size, want[i].size);
                check_range(d->memory[i].data, want[i].start, want[i].size);
        }
        /* The crashed stack region is the very bytes the thread points at. */
        assert_ptr_equal(d->memory[3].data, d->threads[1].stack.data);

        assert_int_equal(proto_dump_read_memory(d, SAMPLE_HEAP_START + 100, out, sizeof(out)), 28);
        check_range(out, SAMPLE_HEAP_START + 100, 28);
        assert_int_equal(proto_dump_read_memory(d, SAMPLE_CRASH_RSP + 8, out, 16), 16);
        check_range(out, SAMPLE_CRASH_RSP + 8, 16);
        assert_int_equal(proto_dump_read_memory(d, SAMPLE_CODE_START, out, SAMPLE_CODE_SIZE), SAMPLE_CODE_SIZE);
        check_range(out, SAMPLE_CODE_START, SAMPLE_CODE_SIZE);
        assert_int_equal(proto_dump_read_memory(d, SAMPLE_CODE_START - 1, out, 8), 0);
        assert_int_equal(proto_dump_read_memory(d, SAMPLE_CODE_START + SAMPLE_CODE_SIZE, out, 8), 0);
        assert_int_equal(proto_dump_read_memory(d, 0, out, 8), 0);
        assert_int_equal(proto_dump_read_memory(d, UINT64_MAX, out, 8), 0);
        assert_int_equal(proto_dump_read_memory(d, SAMPLE_HEAP_START, out, 0), 0);
}

static void check_crashd_streams(const struct proto_dump *d, enum sample_variant v) {
        const struct proto_crash_info *ci = &d->crash_info;

        if (v == SAMPLE_BREAKPAD) {
                assert_false(d->has_crash_info);
                assert_int_equal(d->n_tags, 0);
                assert_null(d->tags);
                assert_int_equal(d->n_breadcrumbs, 0);
                return;
        }
        assert_true(d->has_crash_info);
        assert_int_equal(ci->version, PROTO_CRASH_INFO_VERSION);
        assert_int_equal(ci->flags, v == SAMPLE_REQUESTED ? PROTO_CRASH_REQUESTED : SAMPLE_FLAGS);
        assert_int_equal(ci->si_signo, v == SAMPLE_REQUESTED ? 0 : SAMPLE_SIGNO);
        assert_int_equal(ci->si_code, v == SAMPLE_REQUESTED ? 0 : SAMPLE_CODE);
        assert_int_equal(ci->si_errno, 0);
        assert_int_equal(ci->crashing_tid, SAMPLE_TID_CRASH);
        assert_int_equal(ci->fault_addr, SAMPLE_ADDR);
        assert_int_equal(ci->pid, SAMPLE_PID);
        assert_int_equal(ci->ppid, SAMPLE_PPID);
        assert_int_equal(ci->uid, SAMPLE_UID);
        assert_int_equal(ci->gid, SAMPLE_GID);
        assert_int_equal(ci->crash_time_ns, SAMPLE_TIME_NS);
        assert_int_equal(ci->start_time_ticks, SAMPLE_START_TICKS);
        assert_string_equal(ci->dumper_version, SAMPLE_DUMPER_VERSION);
        for (unsigned i = 0; i < sizeof(ci->siginfo); i++)
                assert_int_equal(ci->siginfo[i], i);

        assert_int_equal(d->n_tags, 2);
        assert_string_equal(d->tags[0].key, "release");
        assert_string_equal(d->tags[0].value, "1.2.3");
        assert_string_equal(d->tags[1].key, "user");
        assert_string_equal(d->tags[1].value, "alice \"a\" <tab>\t");

        assert_int_equal(d->n_breadcrumbs, 2);
        assert_int_equal(d->breadcrumbs[0].time_ns, SAMPLE_TIME_NS - 1000000000);
        assert_int_equal(d->breadcrumbs[0].level, 1);
        assert_string_equal(d->breadcrumbs[0].message, "started");
        assert_int_equal(d->breadcrumbs[1].time_ns, SAMPLE_TIME_NS - 1000000000 + 1);
        assert_int_equal(d->breadcrumbs[1].level, 2);
        assert_string_equal(d->breadcrumbs[1].message, "opening \"/tmp/x\"\nthen \\ crashing");
}

static void check_dump(const struct proto_dump *d, enum sample_variant v) {
        static const uint64_t auxv[] = { 6, 4096, 25, 0x7ffd00200000, 0, 0 };

        assert_int_equal(d->header.signature, MD_SIGNATURE);
        assert_int_equal(d->header.version, MD_VERSION);
        assert_int_equal(d->header.time_date_stamp, SAMPLE_TIME);
        check_streams(d, v);
        check_threads(d, v);
        check_modules(d);
        check_memory(d);

        assert_true(d->has_exception);
        assert_int_equal(d->exception.thread_id, SAMPLE_TID_CRASH);
        assert_int_equal(d->exception.exception_record.exception_code,
                         v == SAMPLE_REQUESTED ? MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED : SAMPLE_SIGNO);
        assert_int_equal(d->exception.exception_record.exception_flags, v == SAMPLE_REQUESTED ? 0 : SAMPLE_CODE);
        assert_int_equal(d->exception.exception_record.exception_address, SAMPLE_ADDR);
        assert_true(d->has_exception_context);
        assert_int_equal(d->exception_context.rip, SAMPLE_CRASH_EXC_RIP);
        assert_int_equal(d->exception_context.rsp, SAMPLE_CRASH_RSP);

        /* The first system info stream wins over the second (9 CPUs). */
        assert_true(d->has_system_info);
        assert_int_equal(d->system_info.processor_architecture, MD_CPU_ARCHITECTURE_AMD64);
        assert_int_equal(d->system_info.number_of_processors, SAMPLE_CPUS);
        assert_int_equal(d->system_info.platform_id, MD_OS_LINUX);
        assert_int_equal(d->system_info.major_version, 6);
        assert_string_equal(d->os_version, SAMPLE_OS);

        check_blob(&d->cpu_info, SAMPLE_CPU_INFO, sizeof(SAMPLE_CPU_INFO) - 1);
        check_blob(&d->proc_status, SAMPLE_STATUS, sizeof(SAMPLE_STATUS) - 1);
        check_blob(&d->lsb_release, SAMPLE_LSB, sizeof(SAMPLE_LSB) - 1);
        check_blob(&d->cmd_line, SAMPLE_CMDLINE, sizeof(SAMPLE_CMDLINE) - 1);
        check_blob(&d->environ, SAMPLE_ENVIRON, sizeof(SAMPLE_ENVIRON) - 1);
        check_blob(&d->auxv, (const char *) auxv, sizeof(auxv));
        check_blob(&d->maps, SAMPLE_MAPS, sizeof(SAMPLE_MAPS) - 1);

        assert_true(d->has_dso_debug);
        assert_int_equal(d->dso_debug.version, 1);
        assert_int_equal(d->dso_debug.dso_count, 2);
        assert_int_equal(d->dso_debug.brk, SAMPLE_DSO_BRK);
        assert_int_equal(d->dso_debug.ldbase, SAMPLE_DSO_LDBASE);
        assert_int_equal(d->dso_debug.dynamic, SAMPLE_DSO_DYNAMIC);
        assert_int_equal(d->n_link_maps, 2);
        assert_int_equal(d->link_maps[0].addr, 0);
        assert_int_equal(d->link_maps[0].ld, SAMPLE_DSO_DYNAMIC);
        assert_string_equal(d->link_maps[0].name, "");
        assert_int_equal(d->link_maps[1].addr, SAMPLE_LIBC_BASE);
        assert_int_equal(d->link_maps[1].ld, SAMPLE_LIBC_BASE + 0x1bc000);
        assert_string_equal(d->link_maps[1].name, SAMPLE_LIBC);

        check_crashd_streams(d, v);
}

static void test_full_zstd_file(void **state) {
        char path[] = "/tmp/test-roundtrip-XXXXXX", err[256] = "";
        struct proto_dump *d = NULL;
        int fd;

        assert_int_equal(sample_dump_build(&buf, SAMPLE_FULL), 0);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(sample_dump_write_zstd(fd, &buf), 0);
        assert_int_equal(close(fd), 0);
        if (proto_dump_load(path, &d, err, sizeof(err)) < 0)
                fail_msg("load: %s", err);
        (void) unlink(path);
        assert_true(d->compressed);
        assert_int_equal(d->file_size, buf.size);
        assert_memory_equal(d->file, buf.data, buf.size);
        check_dump(d, SAMPLE_FULL);
        proto_dump_free(d);
}

static void test_full_raw(void **state) {
        struct proto_dump *d = NULL;
        char err[256] = "";
        uint8_t *copy;

        assert_int_equal(sample_dump_build(&buf, SAMPLE_FULL), 0);
        copy = malloc(buf.size);
        memcpy(copy, buf.data, buf.size);
        if (proto_dump_parse(copy, buf.size, &d, err, sizeof(err)) < 0)
                fail_msg("parse: %s", err);
        /* The reader copied: the caller's bytes are its own again. */
        memset(copy, 0, buf.size);
        free(copy);
        assert_false(d->compressed);
        check_dump(d, SAMPLE_FULL);
        proto_dump_free(d);
}

static void test_breakpad(void **state) {
        struct proto_dump *d = NULL;
        char err[256] = "";

        assert_int_equal(sample_dump_build(&buf, SAMPLE_BREAKPAD), 0);
        if (proto_dump_parse(buf.data, buf.size, &d, err, sizeof(err)) < 0)
                fail_msg("parse: %s", err);
        check_dump(d, SAMPLE_BREAKPAD);
        proto_dump_free(d);
}

static void test_requested(void **state) {
        struct proto_dump *d = NULL;
        char err[256] = "";

        assert_int_equal(sample_dump_build(&buf, SAMPLE_REQUESTED), 0);
        if (proto_dump_parse(buf.data, buf.size, &d, err, sizeof(err)) < 0)
                fail_msg("parse: %s", err);
        check_dump(d, SAMPLE_REQUESTED);
        proto_dump_free(d);
}

static void test_minimal(void **state) {
        struct proto_dump *d = NULL;
        char err[256] = "";
        uint8_t out[16];

        assert_int_equal(sample_dump_build(&buf, SAMPLE_MINIMAL), 0);
        if (proto_dump_parse(buf.data, buf.size, &d, err, sizeof(err)) < 0)
                fail_msg("parse: %s", err);
        assert_int_equal(d->n_streams, 1);
        assert_int_equal(d->n_threads, 1);
        assert_false(d->has_exception);
        assert_false(d->has_system_info);
        assert_false(d->has_crash_info);
        assert_false(d->has_dso_debug);
        assert_null(d->os_version);
        assert_null(d->cmd_line.data);
        assert_int_equal(d->n_modules, 0);
        assert_null(proto_dump_crashing_thread(d));
        assert_ptr_equal(proto_thread_context(d, &d->threads[0]), &d->threads[0].context);
        /* The stack is readable although there is no memory list. */
        assert_int_equal(d->n_memory, 1);
        assert_int_equal(proto_dump_read_memory(d, SAMPLE_MAIN_RSP + SAMPLE_MAIN_STACK_SIZE - 8, out, 16), 8);
        check_range(out, SAMPLE_MAIN_RSP + SAMPLE_MAIN_STACK_SIZE - 8, 8);
        proto_dump_free(d);
        proto_dump_free(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full_zstd_file),
                cmocka_unit_test(test_full_raw),
                cmocka_unit_test(test_breakpad),
                cmocka_unit_test(test_requested),
                cmocka_unit_test(test_minimal),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
